import type { Queryable, TransactionOptions } from '../src/store/index.ts';

/** Counts the statements sent through a store (the pool and transaction clients alike). */
export function counted<
  T extends Queryable & {
    transaction<R>(work: (tx: Queryable) => Promise<R>, options?: TransactionOptions): Promise<R>;
  },
>(store: T, count: { statements: number }): T {
  const wrap = (queryable: Queryable): Queryable => ({
    query: (text, values) => {
      count.statements += 1;
      return queryable.query(text, values);
    },
  });
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'query') return wrap(target).query;
      if (key === 'transaction')
        return <R>(work: (tx: Queryable) => Promise<R>, options?: TransactionOptions) =>
          target.transaction((tx) => work(wrap(tx)), options);
      return Reflect.get(target, key, receiver);
    },
  });
}
