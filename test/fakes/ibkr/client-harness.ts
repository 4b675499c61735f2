import { type Contract, EventName, IBApi, type Order, OrderAction, OrderType, SecType } from '@stoqey/ib';
import { waitFor } from '../../support/wait.ts';
import type { FakeTws } from './server.ts';

/**
 * The real @stoqey/ib client against the fake, recording what it emits. `decodingErrors` holds
 * @stoqey/ib's own complaints about a message layout (unprocessed or missing fields), which the
 * tests require to stay empty: that is the check that the fake's layouts match the client's.
 */
export interface Recorded {
  name: string;
  args: unknown[];
}

export class Client {
  readonly ib: IBApi;
  readonly events: Recorded[] = [];
  readonly errors: Array<{ message: string; code: number; id: number }> = [];
  readonly infos: Array<{ message: string; code: number }> = [];
  readonly decodingErrors: string[] = [];
  nextValidId = -1;

  constructor(
    fake: FakeTws,
    readonly clientId: number,
  ) {
    this.ib = new IBApi({ host: fake.host, port: fake.port });
    this.ib.on(EventName.all, (name: string, args: unknown[]) => {
      this.events.push({ name, args });
    });
    this.ib.on(EventName.error, (err: Error, code: number, id: number) => {
      if (/Decoding error|Underrun error|No parser/.test(err.message)) this.decodingErrors.push(err.message);
      this.errors.push({ message: err.message, code, id });
    });
    this.ib.on(EventName.info, (message: string, code: number) => this.infos.push({ message, code }));
    this.ib.on(EventName.nextValidId, (id: number) => {
      this.nextValidId = id;
    });
  }

  async connect(): Promise<this> {
    this.ib.connect(this.clientId);
    await waitFor(() => this.nextValidId > 0, `nextValidId for client ${this.clientId}`);
    return this;
  }

  disconnect(): void {
    this.ib.disconnect();
  }

  named(name: string): Recorded[] {
    return this.events.filter((e) => e.name === name);
  }

  async waitEvent(name: string, match: (args: unknown[]) => boolean = () => true): Promise<Recorded> {
    let found: Recorded | undefined;
    await waitFor(() => {
      found = this.events.find((e) => e.name === name && match(e.args));
      return found !== undefined;
    }, `event ${name} on client ${this.clientId}`);
    return found!;
  }

  async waitError(code: number, id?: number): Promise<{ message: string; code: number; id: number }> {
    let found: { message: string; code: number; id: number } | undefined;
    await waitFor(
      () => {
        found = this.errors.find((e) => e.code === code && (id === undefined || e.id === id));
        return found !== undefined;
      },
      `error ${code}${id === undefined ? '' : ` for id ${id}`} on client ${this.clientId}`,
    );
    return found!;
  }

  async waitStatus(orderId: number, status: string): Promise<unknown[]> {
    const e = await this.waitEvent(EventName.orderStatus, (a) => a[0] === orderId && a[1] === status);
    return e.args;
  }
}

export function stock(symbol: string): Contract {
  return { symbol, secType: SecType.STK, exchange: 'SMART', currency: 'USD' };
}

export function limit(action: 'BUY' | 'SELL', qty: number, price: number, extra: Partial<Order> = {}): Order {
  return {
    action: action === 'BUY' ? OrderAction.BUY : OrderAction.SELL,
    orderType: OrderType.LMT,
    totalQuantity: qty,
    lmtPrice: price,
    transmit: true,
    ...extra,
  };
}

export function stop(action: 'BUY' | 'SELL', qty: number, price: number, extra: Partial<Order> = {}): Order {
  return {
    action: action === 'BUY' ? OrderAction.BUY : OrderAction.SELL,
    orderType: OrderType.STP,
    totalQuantity: qty,
    auxPrice: price,
    transmit: true,
    ...extra,
  };
}

/** Two stocks on a 0.01 tick, as the tests trade them. */
export const contracts = [
  { symbol: 'AAPL', minTick: 0.01, conId: 265598 },
  { symbol: 'MSFT', minTick: 0.01, conId: 272093 },
];

/** A notice or error with `code` reached the client (id -1 notices arrive as @stoqey/ib `info`). */
export async function waitForInfo(c: Client, code: number): Promise<void> {
  await waitFor(
    () => c.infos.some((i) => i.code === code) || c.errors.some((e) => e.code === code),
    `notice ${code}`,
  );
}

export async function waitForRequests(f: FakeTws, n: number): Promise<void> {
  await waitFor(
    () => f.requests().filter((r) => r.name === 'PLACE_ORDER').length >= n,
    `${n} placeOrder requests`,
  );
}
