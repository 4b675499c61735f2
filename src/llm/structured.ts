import type { z } from 'zod';
import type { RouteMessage } from './route.ts';

export type Validation<T> = { ok: true; value: T; answerText: string } | { ok: false; problem: string };

/** Finds the JSON value in a model's text: bare, in a ```json fence, or wrapped in prose. */
export function extractJson(
  text: string,
): { ok: true; value: unknown; text: string } | { ok: false; problem: string } {
  const trimmed = text.trim();
  const candidates = [trimmed];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(trimmed)?.[1];
  if (fenced) candidates.push(fenced.trim());
  const start = trimmed.search(/[{[]/);
  const end = Math.max(trimmed.lastIndexOf('}'), trimmed.lastIndexOf(']'));
  if (start >= 0 && end > start) candidates.push(trimmed.slice(start, end + 1));
  for (const candidate of candidates) {
    try {
      return { ok: true, value: JSON.parse(candidate), text: candidate };
    } catch {
      // try the next form
    }
  }
  if (trimmed === '') return { ok: false, problem: 'the answer was empty' };
  return { ok: false, problem: 'the answer is not valid JSON' };
}

/**
 * Validates an answer against the call's schema. `answerText` is the JSON that passed: it is
 * what `llm_calls` stores, so a replay parses the same bytes with the same schema.
 */
export function validateAnswer<T>(schema: z.ZodType<T>, text: string, structured?: unknown): Validation<T> {
  let candidate: { value: unknown; text: string };
  if (structured !== undefined && structured !== null)
    candidate = { value: structured, text: JSON.stringify(structured) };
  else {
    const extracted = extractJson(text);
    if (!extracted.ok) return { ok: false, problem: extracted.problem };
    candidate = extracted;
  }
  const parsed = schema.safeParse(candidate.value);
  if (parsed.success) return { ok: true, value: parsed.data, answerText: candidate.text };
  const problems = parsed.error.issues
    .slice(0, 10)
    .map(
      (issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`,
    );
  return { ok: false, problem: `the answer does not match the schema: ${problems.join('; ')}` };
}

/** The repair turn: the model sees its own answer and exactly what was wrong with it. */
export function repairMessages(
  messages: readonly RouteMessage[],
  badAnswer: string,
  problem: string,
): RouteMessage[] {
  return [
    ...messages,
    { role: 'assistant', content: badAnswer === '' ? '(empty answer)' : badAnswer },
    {
      role: 'user',
      content: `Your answer could not be used: ${problem}. Reply again with only one JSON value that matches the required JSON schema exactly, no prose and no code fences.`,
    },
  ];
}
