export {
  type CeoBudget,
  type CeoLimits,
  type CeoRequest,
  ceoBudgetSchema,
  ceoInputs,
  clampBudget,
  type DayTally,
  fallbackBudget,
  runCeo,
} from './ceo.ts';
export {
  type DeciderCounts,
  DeciderTally,
  deciderKey,
  describeDeciders,
  emptyDeciderCounts,
  shortDeciders,
  type TalliedOutcome,
} from './decider-tally.ts';
export { checkFacts, type Fact, type FactCheck, factSchema, factVocabulary, resolveFact } from './facts.ts';
export {
  fallbackMacroView,
  type MacroSnapshot,
  type MacroSymbols,
  type MacroView,
  macroInputs,
  macroSnapshot,
  macroViewSchema,
  macroWindow,
  runMacroOfficer,
} from './macro-officer.ts';
export {
  type AgentBar,
  barsUpTo,
  type Indicators,
  indicatorsAt,
  type Quote,
  quoteAt,
} from './market-context.ts';
export {
  type SignerAnswer,
  type Stance,
  type StrategistAnswer,
  signerAnswerSchema,
  stanceSchema,
  strategistAnswerSchema,
  type TradeProposal,
  toTradeProposal,
} from './outputs.ts';
export { fallbackStance, type RegimeRequest, regimeInputs, runRegime } from './regime.ts';
export {
  type AgentCall,
  type AgentOutcome,
  type AgentRuntime,
  type DecidedBy,
  type LlmCaller,
  runAgent,
} from './run-agent.ts';
export {
  type CodeOutcome,
  checkProposalFacts,
  type DoubleCheckRequest,
  type FactCheckRequest,
  fallbackDoubleCheck,
  fallbackFactCheck,
  runDoubleChecker,
  runFactChecker,
  type SignerOutcome,
} from './signers.ts';
export {
  bracketOnTicks,
  defaultStrategistRules,
  fallbackProposal,
  noTradeAnswer,
  runStrategist,
  runStrategistChallengers,
  type ShadowAnswer,
  type StrategistRequest,
  type StrategistRules,
  strategistInputs,
} from './strategist.ts';
