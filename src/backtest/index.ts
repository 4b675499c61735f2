export {
  type DecisionTally,
  DecisionTallyCounter,
  maskNumbers,
  type TalliedCandidate,
  tallyLines,
  type VetoReasonCount,
} from './decision-tally.ts';
export {
  type BacktestJob,
  type BacktestJobResult,
  backtestJobSchema,
  feedFor,
  loadBacktestBars,
  runBacktestJob,
  type VenueFeeds,
} from './job.ts';
export { computeMetrics, type Metrics } from './metrics.ts';
export { roundCents, roundPercent, roundPrice, roundRatio } from './money.ts';
export { crc32, equityPng, Raster } from './png.ts';
export {
  axisLabels,
  type Chart,
  chartFor,
  contaminationBanner,
  equityJson,
  escapeHtml,
  polyline,
  reportHtml,
  tradesCsv,
  writeBacktestReport,
  writeReportFiles,
} from './report.ts';
export { type BacktestReport, buildReport, type OpenPositionRow, type TradeRow } from './report-data.ts';
export {
  type BacktestInput,
  type BacktestRun,
  type BacktestSettings,
  backtestSettingsSchema,
  fingerprint,
  runBacktest,
  SimulatedClock,
  timelineOf,
} from './runner.ts';
