export { type ArmName, type ArmSummary, buyAndHold, type RegimeFigures, splitByRegime } from './arms.ts';
export { bootstrapInterval, type ConfidenceInterval, seededRandom } from './bootstrap.ts';
export {
  assertWithinBudget,
  type Estimate,
  type EstimateRow,
  estimateEvaluation,
  estimateLines,
} from './estimate.ts';
export {
  type AgentsPurpose,
  type EvaluationAgents,
  type EvaluationOptions,
  type EvaluationResult,
  evaluate,
} from './evaluate.ts';
export { guardContamination, journalContamination } from './guard.ts';
export {
  compareDecisions,
  type Decision,
  decisionsOf,
  type PerturbationCheck,
  perturb,
} from './perturbation.ts';
export { type Regime, regimeOf } from './regimes.ts';
export { evaluationHtml, evaluationJson, evaluationMarkdown, writeEvaluationReport } from './report.ts';
