import type { Config } from '../config/index.ts';
import { ValidationError } from '../errors/index.ts';
import { alpacaVenue } from './alpaca/index.ts';
import { type VenueKind, venueKinds } from './config-sections.ts';
import { ibkrVenue } from './ibkr/index.ts';
import { mt5Venue } from './mt5/index.ts';
import { paperVenue } from './paper/index.ts';
import type { VenueAdapter } from './venue-adapter.ts';

/**
 * The venue registry: one line per venue (with its config line in config-sections.ts; the
 * type below makes the compiler ask for both). Everything outside src/venues/ reaches a venue
 * through here and asks the adapter, never tests `broker.kind`.
 */
const venueAdapters: { readonly [Kind in VenueKind]: VenueAdapter } = {
  paper: paperVenue,
  alpaca: alpacaVenue,
  mt5: mt5Venue,
  ibkr: ibkrVenue,
};

/** Every venue, the default (`broker.kind` unset) first. */
export const venues: readonly VenueAdapter[] = venueKinds.map((kind) => venueAdapters[kind]);

/** The venue `broker.kind` picks (validated at load, so it is always one of the registry's). */
export function venueFor(config: Pick<Config, 'broker'>): VenueAdapter {
  return venueAdapters[config.broker.kind];
}

/** The venue of this kind, or a ValidationError naming the known ones (for command-line input). */
export function venueNamed(kind: string, path = 'broker.kind'): VenueAdapter {
  const found = venues.find((venue) => venue.kind === kind);
  if (!found)
    throw new ValidationError(
      `unknown venue ${kind}`,
      [{ path, message: `one of ${venueKinds.join(', ')}` }],
      {
        fix: `Use one of ${venueKinds.join(', ')}.`,
      },
    );
  return found;
}

/** The venues that trade in market mode (a real broker), for messages that list them. */
export function marketVenueKinds(): string[] {
  return venues.filter((venue) => venue.market).map((venue) => venue.kind);
}

export { type VenueKind, venueKinds } from './config-sections.ts';
export {
  type CheckResult,
  type CheckStatus,
  type DoctorCheck,
  type DoctorContext,
  failure,
} from './doctor-check.ts';
export type {
  CycleDriver,
  OpenBrokerOptions,
  OpenedBroker,
  OpenFeedOptions,
  VenueAdapter,
  VenueCapabilities,
  VenueDescription,
  VenueFeed,
} from './venue-adapter.ts';
export type { VenueConfig } from './venue-config.ts';
