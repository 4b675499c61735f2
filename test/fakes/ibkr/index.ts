export type { RejectHook } from './book.ts';
export type { FakeBarInput } from './history.ts';
export type { WireOrder } from './place-order.ts';
export {
  type FakeContract,
  type FakeOrder,
  type FakeTws,
  type FakeTwsOptions,
  startFakeTws,
} from './server.ts';
