import type { Logger } from '../logging/index.ts';
import type { Queryable } from '../store/index.ts';
import { paidSpendToday, startOfUtcDay } from './ledger.ts';
import { costMicroUsd, type PriceTable } from './prices.ts';
import type { Route, RouteResponse } from './route.ts';

/** What a call cost, in micro-USD; notional when a subscription paid for it. */
export function costOf(
  prices: PriceTable,
  route: Route,
  response: RouteResponse,
): { micro: number; notional: boolean } {
  const price = prices[route.model] ?? prices[response.model];
  if (route.billing === 'subscription') {
    // Paid for by the plan: the CLI's own estimate (or list price) is recorded as notional.
    if (response.reportedCostUsd !== undefined)
      return { micro: Math.round(response.reportedCostUsd * 1e6), notional: true };
    return price
      ? { micro: costMicroUsd(price, response.usage), notional: true }
      : { micro: 0, notional: false };
  }
  return price
    ? { micro: costMicroUsd(price, response.usage), notional: false }
    : { micro: 0, notional: false };
}

/** Challengers in shadow are costed under ledger agents named `shadow:<champion>/<variant>`. */
export function isShadowAgent(agent: string): boolean {
  return agent.startsWith('shadow:');
}

/**
 * The daily budget of paid routes: today's spend is read from the ledger once per UTC day, then
 * kept in step with each paid call. Reaching the cap is announced once per day. Two budgets run
 * side by side: the decisions' (`llm.budget.dailyUsd`) and the challengers' in shadow
 * (`llm.budget.shadowDailyUsd`); neither's spend counts against the other.
 */
export class DailyBudget {
  #spentMicro = 0;
  #spentDay: number | undefined;
  #announcedDay: number | undefined;

  constructor(
    private readonly options: {
      dailyUsd: number;
      /** Which calls this budget pays for (default: the decision path's). */
      scope?: 'decisions' | 'shadow';
      store: Queryable;
      logger: Logger;
      now: () => number;
      announce(payload: Record<string, unknown>): Promise<void>;
    },
  ) {}

  add(micro: number): void {
    if (this.#spentDay === startOfUtcDay(this.options.now()).getTime()) this.#spentMicro += micro;
  }

  async exhausted(): Promise<boolean> {
    const { dailyUsd } = this.options;
    if (dailyUsd <= 0) return false;
    const now = this.options.now();
    const day = startOfUtcDay(now).getTime();
    if (this.#spentDay !== day) {
      this.#spentMicro = await paidSpendToday(this.options.store, now, this.options.scope ?? 'decisions');
      this.#spentDay = day;
    }
    if (this.#spentMicro < dailyUsd * 1e6) return false;
    if (this.#announcedDay !== day) {
      this.#announcedDay = day;
      const payload = {
        state: 'exhausted',
        budget: this.options.scope ?? 'decisions',
        dailyUsd,
        spentUsd: this.#spentMicro / 1e6,
        day: new Date(day).toISOString().slice(0, 10),
      };
      this.options.logger.warn(
        payload,
        `LLM daily budget of $${dailyUsd} reached: paid routes skipped until the next UTC day`,
      );
      await this.options.announce(payload);
    }
    return true;
  }
}
