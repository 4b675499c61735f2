import type { ContractInfo, ExecutionView } from './messages.ts';

/**
 * Executions, positions and cash of the fake's accounts: what reqExecutions, reqPositions and
 * reqAccountSummary report. It outlives API connections (TWS keeps the day's executions and the
 * account's positions whatever the API clients do).
 */
export interface PositionRow {
  account: string;
  contract: ContractInfo;
  qty: number;
  avgCost: number;
}

/**
 * IBKR Pro fixed-rate commission for US stocks: USD 0.005 per share, minimum USD 1.00 per order
 * (https://www.interactivebrokers.com/en/pricing/commissions-stocks.php). Charged per execution
 * here (simplification: the minimum is applied to each partial fill).
 */
export function commissionFor(shares: number): number {
  return Math.max(1, Math.round(shares * 0.005 * 100) / 100);
}

export class Ledger {
  readonly executions: ExecutionView[] = [];
  private readonly positionsByKey = new Map<string, PositionRow>();
  private readonly cash = new Map<string, number>();
  private execSeq = 0;
  readonly lastPrices = new Map<string, number>();

  constructor(
    accounts: readonly string[],
    startingCash: number,
    readonly now: () => number,
  ) {
    for (const a of accounts) this.cash.set(a, startingCash);
  }

  /** Books one execution; returns the view sent as execDetails/commissionReport. */
  record(args: {
    orderId: number;
    clientId: number;
    permId: number;
    account: string;
    contract: ContractInfo;
    action: string;
    shares: number;
    price: number;
    cumQty: number;
    avgPrice: number;
    orderRef: string;
  }): ExecutionView {
    const side = args.action === 'BUY' ? 'BOT' : 'SLD';
    const signed = side === 'BOT' ? args.shares : -args.shares;
    const commission = commissionFor(args.shares);
    const realized = this.applyToPosition(args.account, args.contract, signed, args.price);
    this.cash.set(args.account, (this.cash.get(args.account) ?? 0) - signed * args.price - commission);
    this.execSeq += 1;
    // execId format as TWS sends it: "0000e0d5.6571c0a2.01.01" (hex, dotted); unique per execution.
    const execId = `0000e0d5.${(0x6571c0a2 + this.execSeq).toString(16).padStart(8, '0')}.01.01`;
    const exec: ExecutionView = {
      orderId: args.orderId,
      clientId: args.clientId,
      permId: args.permId,
      execId,
      time: twsTime(this.now()),
      account: args.account,
      contract: args.contract,
      side,
      shares: args.shares,
      price: args.price,
      cumQty: args.cumQty,
      avgPrice: args.avgPrice,
      orderRef: args.orderRef,
      commission,
      realizedPnl: realized === undefined ? undefined : realized - commission,
    };
    this.executions.push(exec);
    this.lastPrices.set(args.contract.symbol, args.price);
    return exec;
  }

  /** Average cost moves on increases; reductions realize P&L at the average cost. */
  private applyToPosition(
    account: string,
    contract: ContractInfo,
    signed: number,
    price: number,
  ): number | undefined {
    const key = `${account}|${contract.conId}`;
    const row = this.positionsByKey.get(key) ?? { account, contract, qty: 0, avgCost: 0 };
    let realized: number | undefined;
    if (row.qty === 0 || Math.sign(row.qty) === Math.sign(signed)) {
      row.avgCost = (row.avgCost * Math.abs(row.qty) + price * Math.abs(signed)) / Math.abs(row.qty + signed);
      row.qty += signed;
    } else {
      const closing = Math.min(Math.abs(signed), Math.abs(row.qty));
      realized = closing * (price - row.avgCost) * Math.sign(row.qty);
      const next = row.qty + signed;
      if (next !== 0 && Math.sign(next) !== Math.sign(row.qty)) row.avgCost = price;
      row.qty = next;
      if (row.qty === 0) row.avgCost = 0;
    }
    this.positionsByKey.set(key, row);
    return realized;
  }

  /** Rows TWS reports: a position closed today still reports with 0 until the next day. */
  positions(): PositionRow[] {
    return [...this.positionsByKey.values()];
  }

  cashOf(account: string): number {
    return this.cash.get(account) ?? 0;
  }

  /** Net liquidation: cash plus positions at the last price (or their cost when none was seen). */
  netLiquidation(account: string): number {
    let value = this.cashOf(account);
    for (const p of this.positions()) {
      if (p.account !== account) continue;
      value += p.qty * (this.lastPrices.get(p.contract.symbol) ?? p.avgCost);
    }
    return value;
  }

  grossPosition(account: string): number {
    let value = 0;
    for (const p of this.positions()) {
      if (p.account !== account) continue;
      value += Math.abs(p.qty * (this.lastPrices.get(p.contract.symbol) ?? p.avgCost));
    }
    return value;
  }
}

/** Execution time as TWS formats it in execDetails: "yyyyMMdd  HH:mm:ss" (two spaces), here in UTC. */
export function twsTime(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}  ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** "yyyyMMdd HH:mm:ss UTC": the time format of completedTime and of the handshake's connection time. */
export function twsZonedTime(epochMs: number): string {
  return `${twsTime(epochMs).replace('  ', ' ')} UTC`;
}
