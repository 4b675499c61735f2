export { type ArmName, type ArmSummary, buyAndHold, type RegimeFigures, splitByRegime } from './arms.ts';
export { bootstrapInterval, type ConfidenceInterval } from './bootstrap.ts';
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
  usesLlm,
} from './evaluate.ts';
export { guardContamination, journalContamination } from './guard.ts';
export {
  dataPerturbation,
  defaultShiftWeeks,
  identityPerturbation,
} from './perturbation.ts';
export {
  type CheckResult,
  compareDecisions,
  type Decision,
  decisionsOf,
  type FlaggedDecision,
  type PerturbationReport,
  type PerturbedPurpose,
  perturbationChecks,
} from './perturbation-check.ts';
export { type Regime, regimeOf } from './regimes.ts';
export { evaluationHtml, evaluationJson, evaluationMarkdown, writeEvaluationReport } from './report.ts';
