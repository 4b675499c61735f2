import type { VenueConfig } from '../venue-config.ts';

/**
 * The paper broker has no `broker.paper` section (its account is the top-level `paper` section,
 * shared with the backtests) and no secrets: it trades the seeded sim feed on the accelerated clock.
 */
export const paperVenueConfig: VenueConfig<undefined> = {
  section: undefined,
  defaults: { feed: 'sim', mode: 'sim' },
  secretEnv: () => ({}),
  watchdogSecretEnv: {},
  sharedTokens: [],
};
