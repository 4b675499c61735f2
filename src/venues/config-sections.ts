import type { z } from 'zod';
import { alpacaVenueConfig } from './alpaca/config-section.ts';
import { ibkrVenueConfig } from './ibkr/config-section.ts';
import { mt5VenueConfig } from './mt5/config-section.ts';
import { paperVenueConfig } from './paper/config-section.ts';
import type { VenueConfig } from './venue-config.ts';

/**
 * Every venue's part of the configuration, by kind; the first is the default `broker.kind`.
 * `src/config` imports this file (and only this one from venues/): it holds zod schemas and
 * names, nothing that needs the config back, so it adds no cycle. `venueAdapters` in index.ts
 * must have the same keys (the compiler says so).
 */
export const venueConfigs = {
  paper: paperVenueConfig,
  alpaca: alpacaVenueConfig,
  mt5: mt5VenueConfig,
  ibkr: ibkrVenueConfig,
} as const satisfies Record<string, VenueConfig>;

export type VenueKind = keyof typeof venueConfigs;

type Configs = typeof venueConfigs;
type SectionKind = {
  [Kind in VenueKind]: Configs[Kind]['section'] extends z.ZodObject ? Kind : never;
}[VenueKind];

/** The `broker.<kind>` schemas of the venues that have one. */
export const venueSections = Object.fromEntries(
  Object.entries(venueConfigs).flatMap(([kind, venue]) => (venue.section ? [[kind, venue.section]] : [])),
) as { [Kind in SectionKind]: Extract<Configs[Kind]['section'], z.ZodObject> };

export const venueKinds = Object.keys(venueConfigs) as [VenueKind, ...VenueKind[]];
export const defaultVenueKind: VenueKind = venueKinds[0];

export function isVenueKind(value: unknown): value is VenueKind {
  return typeof value === 'string' && Object.hasOwn(venueConfigs, value);
}

/** The feeds the venues bring (`feed.kind`), the default venue's first. */
export const venueFeedKinds: string[] = [
  ...new Set(Object.values(venueConfigs).map((venue) => venue.defaults.feed)),
];
