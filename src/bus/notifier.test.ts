import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCatalog } from '../../test/support/bus-topics.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { sleep, waitFor } from '../../test/support/wait.ts';
import { silentLogger } from '../logging/index.ts';
import { Bus, busChannel } from './index.ts';
import { Notifier } from './notifier.ts';

let db: TestDatabase;
let listener: pg.Client;
const heard: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  // Another process's view: only a notification tells it that something was published.
  listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  listener.on('notification', (notification) => {
    heard.push(notification.payload ?? '');
  });
  await listener.query(`LISTEN ${busChannel}`);
});
afterAll(async () => {
  await listener.end();
  await db.drop();
});

function message(topic: string) {
  return { fromAgent: 'test', toAgent: 'any', topic, payload: {} };
}

describe('notifications of standalone publishes', () => {
  it('go out at once after a quiet spell, then at most once a window, with every topic', async () => {
    // A wide window, so that the four notices below surely fall inside it even on a busy machine.
    const notifier = new Notifier(db.store, silentLogger(), 1_500);
    heard.length = 0;
    const started = performance.now();
    notifier.notify('notify.first');
    await waitFor(() => heard.length === 1, 'the first notification');
    for (const topic of ['notify.a', 'notify.b', 'notify.a', 'notify.c']) notifier.notify(topic);
    await sleep(100);
    expect(heard).toEqual(['notify.first']);
    await waitFor(() => heard.length === 4, 'the gathered notifications');
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_490);
    expect(heard.slice(1).sort()).toEqual(['notify.a', 'notify.b', 'notify.c']);
  });

  it('still pending when the bus stops are sent before stop returns', async () => {
    const bus = new Bus({ store: db.store, logger: silentLogger(), catalog: testCatalog });
    heard.length = 0;
    await bus.publish(message('notify.first'));
    await bus.publish(message('notify.last'));
    await bus.stop();
    await waitFor(() => heard.includes('notify.last'), 'the notification pending at stop');
  });
});
