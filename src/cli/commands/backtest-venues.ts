import type { VenueFeeds } from '../../backtest/index.ts';
import { venues } from '../../venues/index.ts';
import type { CliContext } from '../context.ts';

/**
 * The venues' bars for `signet backtest --feed <venue>`, connected from signet.yaml: the same
 * feed market mode trades on (each venue's one `openFeed`), so a backtest sees what a live cycle
 * would have seen. The paper broker's bars are the built-in sim feed, so it adds none.
 */
export function venueFeeds(context: CliContext): VenueFeeds {
  return Object.fromEntries(
    venues
      .filter((venue) => venue.market)
      .map((venue) => [
        venue.kind,
        (symbols: string[] | undefined) =>
          venue.openFeed(context.config(), {
            logger: context.logger(),
            store: () => context.store(),
            symbols,
          }),
      ]),
  );
}
