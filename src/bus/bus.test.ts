import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testCatalog } from '../../test/support/bus-topics.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { sleep, waitFor } from '../../test/support/wait.ts';
import { ValidationError } from '../errors/index.ts';
import { silentLogger } from '../logging/index.ts';
import { Bus, type BusMessage, type MessageInput } from './index.ts';

let db: TestDatabase;
const buses: Bus[] = [];

function newBus(settings: ConstructorParameters<typeof Bus>[0]['settings'] = {}): Bus {
  const bus = new Bus({
    catalog: testCatalog,
    store: db.store,
    logger: silentLogger(),
    settings: { pollIntervalMs: 200, ...settings },
  });
  buses.push(bus);
  return bus;
}

function message(topic: string, payload: unknown = {}): MessageInput {
  return { fromAgent: 'test', toAgent: 'any', topic, payload };
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop()));
});
afterAll(async () => {
  await db.drop();
});

describe('publish', () => {
  it('rejects a malformed envelope with an error naming the field', async () => {
    const bus = newBus();
    const bad = { fromAgent: 'test', toAgent: 'any', topic: 'Not A Topic', payload: {} };
    await expect(bus.publish(bad)).rejects.toBeInstanceOf(ValidationError);
    await expect(bus.publish(bad)).rejects.toThrow(/envelope\.topic/);
    await expect(bus.publish({ ...message('a.b'), causationId: -3 })).rejects.toThrow(
      /envelope\.causationId/,
    );
    await expect(bus.publish({ ...message('a.b'), payload: Number.NaN })).rejects.toThrow(
      /envelope\.payload/,
    );
    const unknownField = { ...message('a.b'), extra: 1 } as unknown as MessageInput;
    await expect(bus.publish(unknownField)).rejects.toThrow(/unknown field\(s\) extra/);
    const stored = await db.store.query("SELECT 1 FROM agent_messages WHERE topic = 'a.b'");
    expect(stored.rowCount).toBe(0);
  });

  it('refuses a topic that is not in the catalog, naming it and the fix, on every publish path', async () => {
    const production = new Bus({ store: db.store, logger: silentLogger() });
    buses.push(production);
    const stray = message('made.up_topic');
    for (const attempt of [
      () => production.publish(stray),
      () => production.publishMany([stray]),
      () => db.store.transaction((tx) => production.publish(stray, { tx })),
    ]) {
      await expect(attempt()).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt()).rejects.toThrow(/unknown bus topic "made\.up_topic"/);
      await expect(attempt()).rejects.toMatchObject({ fix: expect.stringMatching(/src\/bus\/topics\.ts/) });
    }
    // A pre-catalog name points at the topic that replaced it.
    await expect(production.publish(message('broker.fill'))).rejects.toMatchObject({
      fix: expect.stringContaining('order.filled (topics.orderFilled)'),
    });
    const stored = await db.store.query(
      "SELECT 1 FROM agent_messages WHERE topic IN ('made.up_topic', 'broker.fill')",
    );
    expect(stored.rowCount).toBe(0);
  });

  it('returns the stored, versioned envelope', async () => {
    const bus = newBus();
    const ts = new Date('2024-01-02T03:04:05.678Z');
    const stored = await bus.publish({ ...message('envelope.check', { x: [1, 'two'] }), cycleId: 'c-1', ts });
    expect(stored).toMatchObject({
      v: 1,
      topic: 'envelope.check',
      cycleId: 'c-1',
      payload: { x: [1, 'two'] },
    });
    expect(stored.ts.toISOString()).toBe(ts.toISOString());
    expect(stored.id).toBeGreaterThan(0);
  });

  it('never delivers a message published in a rolled-back transaction', async () => {
    const bus = newBus({ pollIntervalMs: 50 });
    const received: BusMessage[] = [];
    await bus.subscribe('rollback-watcher', ['rollback.*'], (each) => {
      received.push(each);
    });
    await expect(
      db.store.transaction(async (tx) => {
        await bus.publish(message('rollback.lost'), { tx });
        throw new Error('abort the order write');
      }),
    ).rejects.toThrow('abort the order write');
    await db.store.transaction(async (tx) => {
      await bus.publish(message('rollback.kept'), { tx });
    });
    await waitFor(() => received.length >= 1, 'the committed message');
    await sleep(300); // several polls: the rolled-back one must still not show up
    expect(received.map((each) => each.topic)).toEqual(['rollback.kept']);
  });
});

describe('subscribe', () => {
  it('gives every message to each of two consumers of the same topic', async () => {
    const bus = newBus();
    const first: number[] = [];
    const second: number[] = [];
    await bus.subscribe('fanout-a', ['fanout.tick'], (each) => {
      first.push(each.id);
    });
    await bus.subscribe('fanout-b', ['fanout.*'], (each) => {
      second.push(each.id);
    });
    const published = await bus.publishMany(
      Array.from({ length: 50 }, (_, index) => message('fanout.tick', { index })),
    );
    await bus.publish(message('other.topic'));
    const ids = published.map((each) => each.id);
    await waitFor(() => first.length >= 50 && second.length >= 50, 'both consumers');
    expect(first).toEqual(ids);
    expect(second).toEqual(ids);
  });

  it('resumes from its stored offset after a restart', async () => {
    const before: number[] = [];
    const bus = newBus();
    await bus.publishMany(Array.from({ length: 5 }, () => message('resume.tick')));
    const subscription = await bus.subscribe('resumer', ['resume.tick'], (each) => {
      before.push(each.id);
    });
    await waitFor(() => before.length === 5, 'the first five');
    await subscription.stop();
    const later = await bus.publishMany(Array.from({ length: 3 }, () => message('resume.tick')));
    const after: number[] = [];
    await newBus().subscribe('resumer', ['resume.tick'], (each) => {
      after.push(each.id);
    });
    await waitFor(() => after.length >= 3, 'the three published while stopped');
    await sleep(100);
    expect(after).toEqual(later.map((each) => each.id));
  });

  it('misses no message when transactions commit out of id order', async () => {
    const bus = newBus({ pollIntervalMs: 5_000 });
    const received: number[] = [];
    await bus.subscribe('ordering', ['order.race'], (each) => {
      received.push(each.id);
    });
    // Hold a transaction open after it took an id, while later ids commit.
    const held = await db.store.pool.connect();
    await held.query('BEGIN');
    const early = await bus.publish(message('order.race', { early: true }), { tx: held });
    const publishers = Array.from({ length: 8 }, (_, worker) =>
      (async () => {
        const ids: number[] = [];
        for (let index = 0; index < 25; index += 1) {
          ids.push((await bus.publish(message('order.race', { worker, index }))).id);
        }
        return ids;
      })(),
    );
    const later = (await Promise.all(publishers)).flat();
    expect(Math.min(...later)).toBeGreaterThan(early.id);
    // A reader trusting `id > offset` would now have passed early.id and never see it.
    await sleep(200);
    expect(received).not.toContain(early.id);
    await held.query('COMMIT');
    held.release();
    await waitFor(() => received.length >= 201, 'all 201 messages');
    expect(new Set(received)).toEqual(new Set([early.id, ...later]));
    expect(received.length).toBe(201);
  });

  it('lists the newest committed messages even while another transaction holds the horizon back', async () => {
    const bus = newBus();
    const held = await db.store.pool.connect();
    try {
      await held.query('BEGIN');
      await held.query('SELECT pg_current_xact_id()');
      const fresh = await bus.publish(message('listing.fresh', { n: 1 }));
      // A listing has no reason to hide a committed message behind the open transaction. It may
      // take a moment to show: a CI run under heavy disk load once read the previous message
      // right after the publish returned, and a second read found this one.
      let listed: number[] = [];
      await waitFor(
        async () => {
          listed = (await bus.newest(1)).map((each) => each.id);
          return listed[0] === fresh.id;
        },
        `the listing to show message ${fresh.id}`,
        2_000,
      ).catch(() => undefined);
      expect(listed).toEqual([fresh.id]);
      // Now that it is surely visible, a tail still must not start past the open transaction.
      expect((await bus.latest(1)).messages.map((each) => each.id)).not.toContain(fresh.id);
    } finally {
      await held.query('ROLLBACK');
      held.release();
    }
  });

  it('delivers committed messages within a poll interval when no notification comes', async () => {
    const bus = newBus({ pollIntervalMs: 500 });
    const received: number[] = [];
    await bus.subscribe('poller', ['silent.insert'], (each) => {
      received.push(each.id);
    });
    // An insert without pg_notify, as if the notification had been lost.
    await db.store.query(
      `INSERT INTO agent_messages (envelope_version, ts, from_agent, to_agent, topic, payload)
       VALUES (1, now(), 'test', 'any', 'silent.insert', '{}')`,
    );
    const started = Date.now();
    await waitFor(() => received.length === 1, 'the silently inserted message', 3_000);
    // At most one poll interval, plus slack for a loaded machine; without the poll it never arrives.
    expect(Date.now() - started).toBeLessThan(500 + 500);
  });

  it('catches up after its listener connection is dropped, within a poll interval', async () => {
    const bus = newBus({ pollIntervalMs: 400 });
    const received: number[] = [];
    await bus.subscribe('relisten', ['relisten.tick'], (each) => {
      received.push(each.id);
    });
    await db.store.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'signet-bus-listener' AND datname = current_database()",
    );
    const sent = await newBus().publishMany(Array.from({ length: 10 }, () => message('relisten.tick')));
    const started = Date.now();
    await waitFor(() => received.length >= 10, 'messages sent while the listener was down', 5_000);
    expect(Date.now() - started).toBeLessThan(400 + 600);
    expect(received).toEqual(sent.map((each) => each.id));
    // The listener came back: a new message is delivered by notification, well before the next poll.
    await waitFor(async () => {
      const rows = await db.store.query(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = 'signet-bus-listener' AND datname = current_database()",
      );
      return (rows.rowCount ?? 0) > 0;
    }, 'the listener to reconnect');
  });
});

describe('failing handlers', () => {
  it('retries without advancing the offset, then parks a message that keeps failing', async () => {
    const bus = newBus({ pollIntervalMs: 100, maxAttempts: 3, retryBaseMs: 20, retryMaxMs: 100 });
    const attempts = new Map<number, number>();
    const handled: number[] = [];
    const poison = await bus.publish(message('poison.test', { poison: true }));
    const healthy = await bus.publishMany([message('poison.test'), message('poison.test')]);
    const failTimes: number[] = [];
    await bus.subscribe('fragile', ['poison.test'], (each) => {
      attempts.set(each.id, (attempts.get(each.id) ?? 0) + 1);
      if ((each.payload as { poison?: boolean }).poison) {
        failTimes.push(Date.now());
        throw new Error('cannot digest this');
      }
      handled.push(each.id);
    });
    await waitFor(() => handled.length === 2, 'the healthy messages after the poison one');
    expect(attempts.get(poison.id)).toBe(3);
    expect(handled).toEqual(healthy.map((each) => each.id));
    // Backoff: the gaps between attempts grow.
    expect(failTimes[2]! - failTimes[1]!).toBeGreaterThanOrEqual(15);
    const parked = await bus.parked();
    expect(parked).toEqual([
      expect.objectContaining({
        consumer: 'fragile',
        messageId: poison.id,
        attempts: 3,
        error: 'cannot digest this',
      }),
    ]);
    const announced = await bus.replayAll({ topics: ['bus.parked'] });
    expect(announced.at(-1)?.payload).toMatchObject({ consumer: 'fragile', messageId: poison.id });
  });

  it('does not advance past a failed message before it is retried', async () => {
    const bus = newBus({ pollIntervalMs: 100, maxAttempts: 10, retryBaseMs: 30 });
    let failuresLeft = 2;
    const handled: number[] = [];
    const sent = await bus.publishMany([message('flaky.test'), message('flaky.test')]);
    const subscription = await bus.subscribe('flaky', ['flaky.test'], (each) => {
      if (each.id === sent[0]!.id && failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('transient');
      }
      handled.push(each.id);
    });
    await sleep(15);
    const offset = await db.store.query<{ message_id: number; attempts: number }>(
      "SELECT message_id, attempts FROM bus_offsets WHERE consumer = 'flaky'",
    );
    expect(Number(offset.rows[0]?.message_id)).toBeLessThan(sent[0]!.id);
    await waitFor(() => handled.length === 2, 'both after retries');
    expect(handled).toEqual(sent.map((each) => each.id));
    expect(subscription.stats().failures).toBe(2);
  });
});

describe('replay', () => {
  it('returns a window by time, topic and cycle in delivery order', async () => {
    const bus = newBus();
    const base = new Date('2020-06-01T00:00:00Z').getTime();
    await bus.publishMany([
      { ...message('replay.a'), ts: new Date(base), cycleId: 'cy-1' },
      { ...message('replay.b'), ts: new Date(base + 1_000), cycleId: 'cy-1' },
      { ...message('replay.a'), ts: new Date(base + 2_000), cycleId: 'cy-2' },
      { ...message('replay.a'), ts: new Date(base + 3_000), cycleId: 'cy-2' },
    ]);
    const window = await bus.replayAll({ from: new Date(base), to: new Date(base + 3_000) });
    expect(window.map((each) => `${each.topic}/${each.cycleId}`)).toEqual([
      'replay.a/cy-1',
      'replay.b/cy-1',
      'replay.a/cy-2',
    ]);
    const topic = await bus.replayAll({ from: new Date(base), topics: ['replay.b'] });
    expect(topic).toHaveLength(1);
    const cycle = await bus.replayAll({ cycleId: 'cy-2' });
    expect(cycle.map((each) => each.ts.getTime())).toEqual([base + 2_000, base + 3_000]);
  });
});
