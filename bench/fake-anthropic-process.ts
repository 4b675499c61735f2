/**
 * The strict Anthropic fake in a process of its own, for the LLM benchmark: a real provider is
 * another machine, so the fake's own work (parsing a 6 kB body, checking the schema subset,
 * its timers, its garbage) must not run on the thread being measured. Talks to the parent
 * over IPC: it sends `{ baseUrl }` once listening, answers `timings` with each request's
 * arrival and send times (epoch milliseconds, sub-millisecond: `performance.timeOrigin` +
 * `performance.now()`, comparable across processes on one machine) and forgets them.
 */
import { startFakeAnthropic } from '../test/fakes/anthropic-server.ts';

const apiKey = process.env.BENCH_FAKE_KEY ?? '';
const delayMs = Number(process.env.BENCH_FAKE_DELAY_MS ?? '200');
const server = await startFakeAnthropic({ apiKey });
server.setDefault({ kind: 'success', text: '{"action":"HOLD","confidence":0.55}', delayMs });
const epoch = (at: number | undefined) => (at === undefined ? undefined : performance.timeOrigin + at);

process.on('message', (message: unknown) => {
  if (message === 'timings') {
    process.send?.({
      timings: server.requests.map((request) => ({
        arrivedAt: epoch(request.arrivedAt),
        sentAt: epoch(request.sentAt),
        serverMs: request.serverMs,
      })),
    });
    server.reset();
  } else if (message === 'stop') {
    void server.close().then(() => process.exit(0));
  }
});
process.send?.({ baseUrl: server.baseUrl });
