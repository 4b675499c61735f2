import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeAnthropic, startFakeAnthropic } from '../../test/fakes/anthropic-server.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { Bus } from '../bus/index.ts';
import { llmSectionSchema, loadConfig } from '../config/index.ts';
import { silentLogger } from '../logging/index.ts';
import {
  isRequestRejection,
  LlmConfigError,
  type LlmRequest,
  LlmRouter,
  type RequestRejection,
} from './index.ts';
import { classifyCliError } from './routes/cli-errors.ts';
import { httpError } from './routes/http.ts';

/**
 * A vendor refusing our request (HTTP 400 invalid_request_error) is our configuration's fault:
 * the route opens at once and the router announces it, once per route and skill, on the bus and
 * to the runtime's hook (journal, page), never as a silent fallback.
 */
const key = 'sk-ant-api03-REJECTSECRET-abcdefghijklmnop';
const answer = z.object({ action: z.enum(['BUY', 'HOLD']) });
const requestFor = (skill: string): LlmRequest<z.infer<typeof answer>> => ({
  agent: skill,
  cycleId: `cycle-${skill}`,
  skill: { name: skill, version: '1.0.0' },
  system: 'Persona.',
  prompt: 'Decide.',
  output: { schema: answer, jsonSchema: z.toJSONSchema(answer) as Record<string, unknown> },
});

let db: TestDatabase;
let anthropic: FakeAnthropic;
let clock = Date.now();

beforeAll(async () => {
  db = await createTestDatabase();
  anthropic = await startFakeAnthropic({ apiKey: key, defaultText: '{"action":"HOLD"}' });
});
afterAll(async () => {
  await anthropic.close();
  await db.drop();
});

function router(hook: (rejection: RequestRejection) => Promise<void>): LlmRouter {
  const config = loadConfig({
    cwd: '/nonexistent',
    env: { ANTHROPIC_API_KEY: key },
    overrides: {
      llm: llmSectionSchema.parse({
        routes: [
          { name: 'anthropic', kind: 'anthropic', model: 'claude-sonnet-5-5', baseUrl: anthropic.baseUrl },
        ],
        breaker: { failures: 3, cooldownMs: 1_000 },
      }),
    },
  });
  return new LlmRouter({
    section: config.llm,
    secrets: config.secrets.llm,
    store: db.store,
    logger: silentLogger(),
    bus: new Bus({ store: db.store, logger: silentLogger() }),
    now: () => clock,
    onRequestRejected: hook,
  });
}

describe('a request the vendor refuses', () => {
  it('is our configuration’s fault: an LlmConfigError that opens the route, with the vendor’s words', () => {
    const anthropicBody = JSON.stringify({
      type: 'error',
      error: { type: 'invalid_request_error', message: "output_format.schema: 'minimum' is not supported" },
    });
    const openAiBody = JSON.stringify({
      error: {
        message: "Invalid schema for response_format 'regime': In context=(), 'required' is required",
        type: 'invalid_request_error',
        param: 'response_format',
        code: null,
      },
    });
    for (const [status, body] of [
      [400, anthropicBody],
      [400, openAiBody],
      [404, JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'model: nope' } })],
    ] as const) {
      const error = httpError('route', status, new Headers(), body);
      expect(error).toBeInstanceOf(LlmConfigError);
      expect(isRequestRejection(error)).toBe(true);
      expect(error).toMatchObject({ code: 'llm_bad_request', fault: 'user', opensRoute: true, status });
    }
    const refused = httpError('route', 400, new Headers(), anthropicBody);
    expect(isRequestRejection(refused) ? refused.providerMessage : null).toBe(
      "invalid_request_error: output_format.schema: 'minimum' is not supported",
    );
    // Not our request's fault: a bad key, throttling, the vendor's outage.
    for (const status of [401, 429, 500, 529])
      expect(isRequestRejection(httpError('route', status, new Headers(), anthropicBody))).toBe(false);
    // A CLI relaying the vendor's 400 (claude's api_error_status, codex's error event).
    expect(isRequestRejection(classifyCliError('claude', 'API Error: 400 invalid_request_error', 400))).toBe(
      true,
    );
    expect(
      isRequestRejection(
        classifyCliError('codex', "Invalid schema for response_format 'codex_output_schema'"),
      ),
    ).toBe(true);
  });

  it('opens the route at once and is announced once per route and skill, again after a fix', async () => {
    const seen: RequestRejection[] = [];
    const llm = router(async (rejection) => {
      seen.push(rejection);
    });
    const refusal = "output_format.schema: For 'number' type, property 'minimum' is not supported";
    anthropic.script({ kind: 'error', status: 400, message: refusal });
    const first = await llm.call(requestFor('regime'));
    expect(first.ok).toBe(false);
    if (!first.ok) {
      expect(first.error.reasons).toEqual([
        expect.objectContaining({ route: 'anthropic', code: 'llm_bad_request', fault: 'user' }),
      ]);
    }
    // Open at once: the next call does not reach the vendor.
    const skipped = await llm.call(requestFor('regime'));
    expect(skipped.ok).toBe(false);
    expect(anthropic.requests).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      route: 'anthropic',
      skill: 'regime',
      agent: 'regime',
      cycleId: 'cycle-regime',
      status: 400,
      providerMessage: `invalid_request_error: ${refusal}`,
      headline: `route anthropic rejects our request for skill regime: invalid_request_error: ${refusal}`,
    });

    // After the cooldown the trial call is refused again: no second alarm for the same pair.
    clock += 2_000;
    anthropic.script({ kind: 'error', status: 400, message: refusal });
    await llm.call(requestFor('regime'));
    expect(anthropic.requests).toHaveLength(2);
    expect(seen).toHaveLength(1);

    // Another skill refused: its own alarm.
    clock += 2_000;
    anthropic.script({ kind: 'error', status: 400, message: 'strategist schema refused' });
    await llm.call(requestFor('strategist'));
    expect(seen.map((rejection) => rejection.skill)).toEqual(['regime', 'strategist']);

    // Fixed: the route answers regime; a later refusal of regime is news again.
    clock += 2_000;
    const fixed = await llm.call(requestFor('regime'));
    expect(fixed.ok).toBe(true);
    anthropic.script({ kind: 'error', status: 400, message: refusal });
    await llm.call(requestFor('regime'));
    expect(seen.map((rejection) => rejection.skill)).toEqual(['regime', 'strategist', 'regime']);

    const messages = await db.store.query<{ payload: { skill: string; route: string } }>(
      "SELECT payload FROM agent_messages WHERE topic = 'llm.request_rejected' ORDER BY id",
    );
    expect(messages.rows.map((row) => row.payload.skill)).toEqual(['regime', 'strategist', 'regime']);
  });

  it('a hook that fails does not fail the call; the bus message still says it', async () => {
    const llm = router(async () => {
      throw new Error('journal folder is read-only');
    });
    // The breaker state is shared through the database: wait out the first test's cooldown.
    clock += 2_000;
    anthropic.script({ kind: 'error', status: 404, message: 'model: claude-nonexistent' });
    const result = await llm.call(requestFor('fact-checker'));
    expect(result.ok).toBe(false);
    const messages = await db.store.query<{ payload: { skill: string; status: number } }>(
      "SELECT payload FROM agent_messages WHERE topic = 'llm.request_rejected' AND payload->>'skill' = 'fact-checker'",
    );
    expect(messages.rows.map((row) => row.payload.status)).toEqual([404]);
  });
});
