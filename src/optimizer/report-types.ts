import type { DeciderCounts } from '../agents/index.ts';
import type { ChallengerComparison } from './challengers.ts';
import type { Counterfactual, ProposedTrade } from './counterfactual.ts';

/** The JSON twin of the markdown report. Numbers are plain numbers; money in the account currency. */
export interface StrategyStats {
  /** `<skill>@<version> (<decidedBy>)`, or "unattributed" for trades whose proposal was not found. */
  key: string;
  skill: string;
  decidedBy: string;
  /** Strategist answers (trade or no trade). */
  decisions: number;
  /** Trade proposals. */
  proposals: number;
  noTrade: number;
  signed: number;
  vetoed: number;
  /** vetoed / (signed + vetoed); null without signed or vetoed proposals. */
  vetoRate: number | null;
  vetoesBySigner: Record<string, number>;
  vetoReasons: Array<{ signer: string; reason: string; count: number }>;
  /** Proposals by the regime the Regime agent called for them, and how many were vetoed. */
  byRegime: Record<string, { proposals: number; vetoed: number }>;
  entryFills: number;
  closedTrades: number;
  pnl: number;
  wins: number;
  winRate: number | null;
  /** Mean of pnl / (|entry − stop| × qty) over closed trades with a known proposal. */
  averageR: number | null;
}

export interface VetoedSetup {
  cycleId: string;
  symbol: string;
  at: string;
  strategy: string;
  /** Signers that vetoed. */
  vetoedBy: string[];
  reasons: string[];
  /** Size the Risk Gate computed (0 when it could not size it). */
  qty: number;
  trade: ProposedTrade;
  counterfactual: Counterfactual;
  /** perShare × qty. */
  pnl: number;
}

export interface SignerPrecision {
  signer: string;
  vetoes: number;
  /** Would have hit the stop first: the veto saved money. */
  saved: number;
  /** Would have hit the target first: the veto cost money. */
  cost: number;
  /** Neither within the horizon: marked to market at the horizon's close. */
  undecided: number;
  undecidedR: number;
  notEntered: number;
  noData: number;
  /** saved / (saved + cost); null when none was decided. */
  precision: number | null;
  /** Sum of the R the vetoed setups would have made (negative = the vetoes avoided losses). */
  forgoneR: number;
  forgonePnl: number;
}

export interface LlmUseRow {
  agent: string;
  route: string;
  calls: number;
  ok: number;
  failed: number;
  /** Rows with attempt > 1 (a repair turn after an invalid answer). */
  repairs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  notionalUsd: number;
}

export interface LlmUse {
  rows: LlmUseRow[];
  totals: Omit<LlmUseRow, 'agent' | 'route'>;
  failovers: Array<{ agent: string; answeredBy: string; count: number }>;
  breakerOpenings: Array<{ route: string; count: number }>;
  budgetStops: number;
  /** Decisions taken by a deterministic fallback instead of an LLM, by agent. */
  fallbackDecisions: Record<string, number>;
  /** Every agent decision of the window by who actually decided (route/model, fallback, failure). */
  deciders: DeciderCounts;
  /** Routes that refused our request as malformed (our configuration's fault), by route and skill. */
  requestRejections: Array<{ route: string; skill: string; message: string; count: number }>;
  topPrompts: Array<{
    requestHash: string;
    agent: string;
    skill: string;
    calls: number;
    costUsd: number;
    notionalUsd: number;
  }>;
}

export interface RegimeMacro {
  macroWired: boolean;
  macroMessages: number;
  compared: number;
  disagreements: number;
  examples: Array<{ cycleId: string; symbol: string | null; regime: string; macro: string }>;
  /** Per symbol: the window's comparisons, and the disagreements of the week ending with it. */
  rows?: RegimeMacroRow[];
}

export interface RegimeMacroRow {
  symbol: string;
  compared: number;
  disagreements: number;
  weekDisagreements: number;
  lastRegime: string;
  lastMacro: string;
  /** Three or more disagreements in the week: worth the operator's review. */
  flagged: boolean;
}

export interface Finding {
  topic: 'activity' | 'strategy' | 'signer' | 'regime' | 'llm' | 'data';
  /** "review": worth the operator's attention; "note": context. */
  level: 'review' | 'note';
  text: string;
  numbers: Record<string, number | string | null>;
}

/** A suggestion for the operator. Nothing is ever applied by the optimizer. */
export interface Experiment {
  title: string;
  why: string;
  how: string;
  applied: false;
}

export interface ReflectionNote {
  path: string;
  symbol: string;
  status: 'appended' | 'already_present' | 'missing_file';
  decidedBy: 'llm' | 'fallback' | 'code' | null;
  returnPct: number | null;
  /** The same position held over the same bars: buy-and-hold, or short-and-hold for a short. */
  benchmarkPct: number | null;
  /** The position's direction, when the trade was measured. */
  side?: 'long' | 'short';
}

export interface OptimizerReport {
  version: 1;
  /** The report's name: a day (YYYY-MM-DD) or a range (YYYY-MM-DD_YYYY-MM-DD). */
  label: string;
  window: { from: string; to: string };
  generatedAt: string;
  barSource: string;
  activity: {
    cycles: number;
    decisions: number;
    proposals: number;
    vetoed: number;
    signed: number;
    entryFills: number;
    closedTrades: number;
    pnl: number;
  };
  strategies: StrategyStats[];
  vetoedSetups: VetoedSetup[];
  signers: SignerPrecision[];
  regimeMacro: RegimeMacro;
  /** Each challenger skill run in shadow against its champion. */
  challengers: ChallengerComparison[];
  llm: LlmUse;
  findings: Finding[];
  experiments: Experiment[];
  reflections: ReflectionNote[];
  /** Things the optimizer could not do, said plainly (e.g. a missing journal folder). */
  notes: string[];
}
