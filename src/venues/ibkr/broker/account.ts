import { EventName } from '@stoqey/ib';
import type { Account } from '../../../broker/index.ts';
import { IbRequestError } from '../connection/errors.ts';
import { accountSummaryArgs, parseArgs, positionArgs } from '../connection/events.ts';
import type { IbConnection } from '../connection/ib-connection.ts';

/** The account's equity and cash (reqAccountSummary: NetLiquidation, TotalCashValue). */
export async function readAccount(connection: IbConnection, accountId: string): Promise<Account> {
  const values = new Map<string, number>();
  await connection.request<void>('account summary', (reqId, on, done) => {
    on(EventName.accountSummary, (...args: unknown[]) => {
      const parsed = parseArgs(accountSummaryArgs, args);
      if (!parsed || parsed[0] !== reqId || parsed[1] !== accountId) return;
      values.set(parsed[2], Number(parsed[3]));
    });
    on(EventName.accountSummaryEnd, (id) => {
      if (id !== reqId) return;
      connection.api.cancelAccountSummary(reqId);
      done();
    });
    connection.api.reqAccountSummary(reqId, 'All', 'NetLiquidation,TotalCashValue,BuyingPower');
  });
  const equity = values.get('NetLiquidation');
  const cash = values.get('TotalCashValue');
  if (equity === undefined || cash === undefined || !Number.isFinite(equity) || !Number.isFinite(cash))
    throw new IbRequestError(
      `account summary of ${accountId}`,
      0,
      'no NetLiquidation or TotalCashValue in the answer',
      'Check that the Gateway is logged into this account and its account data is subscribed.',
    );
  return { cash, equity, id: accountId };
}

/** The account's stock positions (reqPositions), signed, by symbol. */
export async function readPositions(
  connection: IbConnection,
  accountId: string,
): Promise<{ symbol: string; qty: number; avgPrice: number }[]> {
  const held = new Map<string, { symbol: string; qty: number; avgPrice: number }>();
  await connection.request<void>('positions', (_reqId, on, done) => {
    on(EventName.position, (...args: unknown[]) => {
      const parsed = parseArgs(positionArgs, args);
      if (!parsed) return;
      const [account, contract, qty, avgCost] = parsed;
      if (account !== accountId || !contract.symbol) return;
      if (contract.secType && contract.secType !== 'STK') return;
      if (qty === 0) held.delete(contract.symbol);
      else held.set(contract.symbol, { symbol: contract.symbol, qty, avgPrice: avgCost ?? 0 });
    });
    on(EventName.positionEnd, () => {
      connection.api.cancelPositions();
      done();
    });
    connection.api.reqPositions();
  });
  return [...held.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
}
