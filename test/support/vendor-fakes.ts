import { afterAll, beforeAll, expect } from 'vitest';
import { LlmError, type RouteRequest } from '../../src/llm/index.ts';
import { type FakeAnthropic, startFakeAnthropic } from '../fakes/anthropic-server.ts';
import { type FakeGemini, startFakeGemini } from '../fakes/gemini-server.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../fakes/openai-server.ts';

/** The keys the vendor fakes of a route test accept (shaped like the real ones). */
export const vendorKeys = {
  anthropic: 'sk-ant-api03-ROUTESTESTKEY0000000000',
  openai: 'sk-proj-ROUTESTESTKEY1111111111',
  gemini: 'AIzaSyROUTESTESTKEY22222222222222222',
};

/** A small request every route can send. */
export const routeRequest: RouteRequest = {
  system: 'You are a cautious reviewer.',
  messages: [{ role: 'user', content: 'AAPL: enter?' }],
  output: { name: 'decision', jsonSchema: { type: 'object', properties: { action: { type: 'string' } } } },
  timeoutMs: 5_000,
};

/** The LlmError a call rejects with (fails the test if it resolves or throws something else). */
export async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
}

export interface VendorFakes {
  anthropic: FakeAnthropic;
  openai: FakeOpenAi;
  /** An OpenAI-compatible local server (Ollama-style: no key, pulled models only). */
  local: FakeOpenAi;
  gemini: FakeGemini;
}

/** Starts the strict vendor fakes for the file's tests and closes them after; read them inside tests. */
export function useVendorFakes(): VendorFakes {
  const fakes = {} as VendorFakes;
  beforeAll(async () => {
    fakes.anthropic = await startFakeAnthropic({ apiKey: vendorKeys.anthropic });
    fakes.openai = await startFakeOpenAi({ apiKey: vendorKeys.openai });
    fakes.local = await startFakeOpenAi({ dialect: 'compatible' });
    fakes.gemini = await startFakeGemini({ apiKey: vendorKeys.gemini });
  });
  afterAll(async () => {
    await Promise.all([
      fakes.anthropic.close(),
      fakes.openai.close(),
      fakes.local.close(),
      fakes.gemini.close(),
    ]);
  });
  return fakes;
}
