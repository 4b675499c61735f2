import { topicCatalog } from '../../src/bus/index.ts';

/**
 * Signet's topic catalog plus the made-up topics the tests of the bus's own mechanics publish
 * (ordering, fan-out, parking, replay windows, the SSE stream): production code cannot publish these.
 */
export const testCatalog = topicCatalog.extend([
  'a.b',
  'batch.tick',
  'cli.poison',
  'crash.tick',
  'envelope.check',
  'fanout.tick',
  'flaky.test',
  'listing.fresh',
  'notify.a',
  'notify.b',
  'notify.c',
  'notify.first',
  'notify.last',
  'order.race',
  'other.topic',
  'outage.tick',
  'poison.test',
  'relisten.tick',
  'replay.a',
  'replay.b',
  'resume.tick',
  'rollback.kept',
  'rollback.lost',
  'signature.risk-gate',
  'strategy.proposed',
  'test.live',
]);
