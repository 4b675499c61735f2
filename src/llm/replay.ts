import { createHash } from 'node:crypto';
import type { Queryable } from '../store/index.ts';
import { quotedUtf8 } from './quoted-utf8.ts';
import { memoizedBySchema } from './schema-memo.ts';
import { llmSql } from './sql.ts';

/** JSON with sorted keys, so equal schemas hash equally whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, each]) => each !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, each]) => `${JSON.stringify(key)}:${canonical(each)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface HashInput {
  skill: { name: string; version: string };
  system: string;
  prompt: string;
  jsonSchema: Record<string, unknown>;
}

/**
 * The hashed bytes around the prompt that repeat from call to call, as UTF-8 made once: the
 * schema's canonical text (sorting it again each call cost more than hashing the whole request)
 * and the system text (a skill's is the same string on every call, ≈ 15 kB, so each call
 * encoded it again before hashing it: a third of the hash's time and of its garbage).
 */
const schemaBytes = memoizedBySchema((schema) => Buffer.from(`,"schema":${canonical(schema)},`, 'utf8'));

/** The quoted system texts of the last few skills, as hashed. */
const systemBytes = new Map<string, Buffer>();
function quotedSystem(system: string): Buffer {
  let bytes = systemBytes.get(system);
  if (bytes === undefined) {
    if (systemBytes.size >= 64) systemBytes.clear();
    bytes = Buffer.from(JSON.stringify(system), 'utf8');
    systemBytes.set(system, bytes);
  }
  return bytes;
}

/**
 * Route-independent: the same skill, text and schema hash the same on every route and model.
 * The hashed bytes are canonical({ v: 1, skill, skillVersion, system, prompt, schema }) (keys
 * sorted), fed in pieces so the long system text is not copied into one more string; recorded
 * hashes stay valid (structured.test.ts pins a hash made before this form).
 */
export function requestHash(input: HashInput): string {
  // The quoted prompt goes in on its own, as bytes made without a string (quoted-utf8.ts): joined
  // into the text around it, or quoted by JSON.stringify, it was copied once more each time.
  return createHash('sha256')
    .update('{"prompt":')
    .update(quotedUtf8(input.prompt))
    .update(schemaBytes(input.jsonSchema))
    .update(
      `"skill":${JSON.stringify(input.skill.name)},"skillVersion":${JSON.stringify(input.skill.version)},`,
    )
    .update('"system":')
    .update(quotedSystem(input.system))
    .update(',"v":1}')
    .digest('hex');
}

export interface StoredCall {
  route: string;
  model: string;
  /** The JSON text that passed validation: replay parses these bytes with the same schema. */
  answerText: string;
}

export async function findCall(queryable: Queryable, hash: string): Promise<StoredCall | undefined> {
  const result = await queryable.query<{ route: string; model: string; raw_text: string | null }>(
    llmSql.selectCall(),
    [hash],
  );
  const row = result.rows[0];
  if (!row || row.raw_text === null) return undefined;
  return { route: row.route, model: row.model, answerText: row.raw_text };
}

export async function storeCall(
  queryable: Queryable,
  call: StoredCall & { hash: string; input: HashInput; value: unknown },
): Promise<void> {
  await queryable.query(llmSql.upsertCall(), [
    call.hash,
    call.input.skill.name,
    call.input.skill.version,
    call.route,
    call.model,
    JSON.stringify({ system: call.input.system, prompt: call.input.prompt, schema: call.input.jsonSchema }),
    JSON.stringify(call.value ?? null),
    call.answerText,
  ]);
}
