export {
  barAt,
  barSchema,
  emptySeries,
  formatBarTime,
  parseBar,
  seriesFromBars,
  sliceSeries,
} from './bar.ts';
export {
  type CsvFeedOptions,
  type CsvParseOptions,
  csvFeed,
  csvFeedOptionsSchema,
  parseCsvBars,
} from './csv.ts';
export { parseDateText } from './csv-date.ts';
export { csvRowSchema } from './csv-row.ts';
export { MarketDataError } from './errors.ts';
export type { Bar, BarSeries, Feed, FeedRange, FeedResult, SkippedRow } from './feed.ts';
export { syntheticIndex, syntheticIndexCloses } from './index-series.ts';
export { isoTime } from './iso-time.ts';
export {
  createRandom,
  generateSimSeries,
  type Regime,
  type SimFeedOptions,
  type SimSeries,
  simFeed,
  simFeedOptionsSchema,
  simSeriesCache,
} from './sim.ts';
export {
  decimalsOf,
  exact,
  type PriceTick,
  paperPriceTick,
  type RewardRisk,
  rewardToRisk,
  roundToTick,
  safeRounding,
  type TickRounding,
} from './ticks.ts';
