import type { DeciderCounts } from '../agents/index.ts';
import type { Bus } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Bar } from '../market/index.ts';
import type { Store } from '../store/index.ts';

/** Where charts get their candles: the running feed, up to the bar the brain has reached. */
export interface MarketView {
  symbols(): string[];
  bars(symbol: string, limit: number): Bar[] | null;
}

export interface IngressDeps {
  store: Store;
  bus: Bus;
  config: Config;
  logger: Logger;
  market?: MarketView;
  /** The brain's agent decisions since it started, by who actually decided (route/model, fallback, failure). */
  decisions?: () => DeciderCounts;
  /**
   * Why this ingress only reads (a standby brain): every request but GET and HEAD is refused with
   * this reason, and the venues' routes (the EA's bridge) are not served: the EA talks to the leader.
   */
  readOnly?: string;
}
