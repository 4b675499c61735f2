export { reflectionRuntime } from './agents.ts';
export { type BarSource, noBarSource, simBarSource, simBarSourceFromState } from './bar-source.ts';
export { type ChallengerComparison, compareChallengers, renderChallengers } from './challengers.ts';
export {
  type Counterfactual,
  type CounterfactualOutcome,
  type ProposedTrade,
  replayProposal,
} from './counterfactual.ts';
export { renderReport } from './render.ts';
export type {
  Experiment,
  Finding,
  LlmUse,
  OptimizerReport,
  ReflectionNote,
  SignerPrecision,
  StrategyStats,
  VetoedSetup,
} from './report-types.ts';
export {
  latestJournalDay,
  type OptimizerDeps,
  OptimizerInputError,
  type OptimizerResult,
  type OptimizerWindow,
  reportLabel,
  runNightlyOptimizer,
  runOptimizer,
} from './run.ts';
