import type { Config } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import { costMicroUsd, llmSql, priceTable } from '../llm/index.ts';
import type { Queryable } from '../store/index.ts';

/**
 * Calls per symbol and decision bar at most: the Regime agent, the Strategist, and the two
 * signers of a proposal (the Fact-checker, the Double-checker). An upper bound: signers are asked
 * only when the Strategist proposes a trade.
 */
export const callsPerSymbolBar = 4;
/** Tokens per call when the ledger has no history of the route: the shipped skills' prompt size. */
export const defaultTokensPerCall = { input: 6_000, output: 400, cached: 0 };

export interface EstimateRow {
  route: string;
  model: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Share of the calls expected from recorded answers (cache and replay modes). */
  cacheHitRate: number;
  usd: number;
  /** Tokens per call from this route's own ledger rows, or the defaults. */
  basis: 'ledger' | 'default';
  /** No list price for the model: its dollars are unknown (counted as 0). */
  unpriced: boolean;
}

export interface Estimate {
  mode: Config['llm']['mode'];
  runs: number;
  decisionBars: number;
  symbols: number;
  rows: EstimateRow[];
  calls: number;
  usd: number;
  maxUsd: number;
}

/**
 * What `signet evaluate` would cost in LLM calls, before it runs: the calls of the LLM arm (and
 * of its two perturbed runs, identity and data; the fallbacks' control runs ask nothing) answered by the first enabled route (the others only on failover), tokens
 * per call from that route's ledger history, dollars from the price table, less the share served
 * from recorded answers (`llm_calls`) in cache mode; replay mode costs nothing.
 */
export async function estimateEvaluation(options: {
  config: Pick<Config, 'llm' | 'evaluate'>;
  store: Queryable;
  symbols: string[];
  decisionBars: number;
  perturbation: boolean;
}): Promise<Estimate> {
  const { config } = options;
  const runs = options.perturbation ? 3 : 1;
  const calls = options.decisionBars * options.symbols.length * callsPerSymbolBar * runs;
  const routes = config.llm.routes.filter((route) => route.enabled).sort((a, b) => a.priority - b.priority);
  const history = await options.store.query<{
    route: string;
    model: string;
    input_tokens: number;
    output_tokens: number;
    cached_tokens: number;
  }>(llmSql.callAverages(), []);
  const recorded = await options.store.query<{ n: number }>(llmSql.recordedCallsForSymbols(), [
    options.symbols,
  ]);
  const mode = config.llm.mode;
  const hitRate =
    mode === 'replay'
      ? 1
      : mode === 'cache' && calls > 0
        ? Math.min(1, (recorded.rows[0]?.n ?? 0) / calls)
        : 0;
  const prices = priceTable(config.llm.prices);
  const rows = routes.map((route, index): EstimateRow => {
    const past = history.rows.find((row) => row.route === route.name && row.model === route.model);
    const perCall = past
      ? { input: past.input_tokens, output: past.output_tokens, cached: past.cached_tokens }
      : defaultTokensPerCall;
    const live = index === 0 ? Math.round(calls * (1 - hitRate)) : 0;
    const price = prices[route.model];
    const micro = price
      ? costMicroUsd(price, {
          inputTokens: perCall.input * live,
          outputTokens: perCall.output * live,
          cachedTokens: perCall.cached * live,
          cacheWriteTokens: 0,
        })
      : 0;
    return {
      route: route.name,
      model: route.model,
      calls: live,
      inputTokens: Math.round(perCall.input * live),
      outputTokens: Math.round(perCall.output * live),
      cacheHitRate: Math.round(hitRate * 10_000) / 10_000,
      usd: Math.round(micro / 10_000) / 100,
      basis: past ? 'ledger' : 'default',
      unpriced: price === undefined,
    };
  });
  return {
    mode,
    runs,
    decisionBars: options.decisionBars,
    symbols: options.symbols.length,
    rows,
    calls: rows.reduce((sum, row) => sum + row.calls, 0),
    usd: Math.round(rows.reduce((sum, row) => sum + row.usd, 0) * 100) / 100,
    maxUsd: config.evaluate.maxUsd,
  };
}

export function estimateLines(estimate: Estimate): string[] {
  return [
    `estimate (llm.mode ${estimate.mode}): ${estimate.runs} LLM run(s) × ${estimate.decisionBars} decision bars × ${estimate.symbols} symbol(s), at most ${callsPerSymbolBar} calls each`,
    ...estimate.rows.map(
      (row) =>
        `  ${row.route} (${row.model}): ${row.calls} calls, ${row.inputTokens} input + ${row.outputTokens} output tokens, cache hit rate ${(row.cacheHitRate * 100).toFixed(1)} %, $${row.usd.toFixed(2)}${row.unpriced ? ' (no list price: unknown)' : ''} [tokens per call: ${row.basis}]`,
    ),
    `  total: ${estimate.calls} calls, $${estimate.usd.toFixed(2)} (evaluate.maxUsd ${estimate.maxUsd})`,
  ];
}

/** Refuses an evaluation estimated above `evaluate.maxUsd` unless the operator said --yes. */
export function assertWithinBudget(estimate: Estimate, yes: boolean): void {
  if (estimate.usd <= estimate.maxUsd || yes) return;
  throw new SignetError(
    `the evaluation is estimated at $${estimate.usd.toFixed(2)}, above evaluate.maxUsd ($${estimate.maxUsd})`,
    {
      code: 'evaluate_over_budget',
      fault: 'user',
      fix: 'Check `signet evaluate --estimate`, then pass --yes to spend it, raise evaluate.maxUsd, or shorten the window (--from/--to) or the symbols.',
      details: { estimate },
    },
  );
}
