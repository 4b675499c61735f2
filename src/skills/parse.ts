import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SkillInvalidError } from './errors.ts';
import { type ConvertedSchema, convertJsonSchema } from './json-schema.ts';

const semver = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** The YAML front matter of a SKILL.md; snake_case keys, nothing else allowed. */
export const skillFrontMatterSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'use lower-case letters, digits and "-", starting with a letter'),
    role: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'use lower-case letters, digits and "-", starting with a letter'),
    description: z.string().trim().min(1).max(500),
    version: z.string().regex(semver, 'use a semantic version such as 1.0.0'),
    temperature: z.number().min(0).max(2).optional(),
    /** Route names in order of preference; the router's own order applies when absent. */
    routes: z.array(z.string().min(1)).min(1).optional(),
    /** A model hint for routes that offer several (e.g. "sonnet", "gpt-5-mini"). */
    model: z.string().min(1).optional(),
    timeout_ms: z.number().int().min(1_000).max(600_000).optional(),
    /** JSON Schema of the inputs; every property is required. */
    inputs: z.record(z.string(), z.unknown()),
    /** JSON Schema of the answer the model must return. */
    output_schema: z.record(z.string(), z.unknown()),
  })
  .strict();

export type SkillFrontMatter = z.infer<typeof skillFrontMatterSchema>;

/** A parsed, validated skill. Immutable: a reload produces a new object. */
export interface Skill {
  name: string;
  role: string;
  description: string;
  version: string;
  temperature: number | undefined;
  routes: string[] | undefined;
  model: string | undefined;
  timeoutMs: number | undefined;
  /** Path of the SKILL.md it came from. */
  file: string;
  /** sha256 of the file's text: tells a real edit from a touch. */
  hash: string;
  persona: string;
  /** The Inputs section: a template whose `{{field}}` placeholders are the declared inputs. */
  inputsTemplate: string;
  /** The Output schema section: how to fill the fields (the schema itself is in the front matter). */
  outputGuidance: string;
  /** Declared input fields, in declaration order. */
  inputFields: string[];
  inputs: ConvertedSchema;
  output: ConvertedSchema;
}

export const requiredSections = ['Persona', 'Inputs', 'Output schema'] as const;
/** Sections for maintainers; never sent to a model. */
const ignoredSections = ['Notes'];

/** sha256 of a SKILL.md's text: tells a real edit from a touch. */
export function hashSkillText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const placeholderPattern = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

function splitFrontMatter(text: string, file: string): { yaml: string; body: string } {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!normalized.startsWith('---\n'))
    throw new SkillInvalidError(file, 'the file must start with YAML front matter between two "---" lines');
  const end = normalized.indexOf('\n---\n', 3);
  const endAtEof = normalized.endsWith('\n---') ? normalized.length - 4 : -1;
  const close = end >= 0 ? end : endAtEof;
  if (close < 0) throw new SkillInvalidError(file, 'the front matter has no closing "---" line');
  return { yaml: normalized.slice(4, close + 1), body: normalized.slice(close + 5) };
}

function parseFrontMatter(yaml: string, file: string): SkillFrontMatter {
  let raw: unknown;
  try {
    raw = parseYaml(yaml, { uniqueKeys: true, prettyErrors: true, strict: true });
  } catch (error) {
    throw new SkillInvalidError(file, `front matter is not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = skillFrontMatterSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const reasons = parsed.error.issues.map((issue) => {
    const where = issue.path.map(String).join('.') || '(front matter)';
    if (issue.code === 'unrecognized_keys') return `${where}: unknown key(s) ${issue.keys.join(', ')}`;
    return `${where}: ${issue.message}`;
  });
  throw new SkillInvalidError(file, `front matter: ${reasons.join('; ')}`);
}

/** Splits the body at `## ` headings (outside code fences) into named sections. */
function splitSections(body: string, file: string): Map<string, string> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  let inFence = false;
  for (const line of body.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^##\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      const title = heading[1] ?? '';
      const canonical =
        [...requiredSections, ...ignoredSections].find(
          (name) => name.toLowerCase() === title.toLowerCase(),
        ) ?? title;
      if (sections.has(canonical)) throw new SkillInvalidError(file, `section "## ${title}" appears twice`);
      if (
        !(requiredSections as readonly string[]).includes(canonical) &&
        !ignoredSections.includes(canonical)
      )
        throw new SkillInvalidError(
          file,
          `unknown section "## ${title}" (allowed: ${[...requiredSections, ...ignoredSections].join(', ')})`,
        );
      current = [];
      sections.set(canonical, current);
      continue;
    }
    current?.push(line);
  }
  return new Map([...sections].map(([name, lines]) => [name, lines.join('\n').trim()]));
}

function convertOrThrow(value: unknown, label: string, file: string): ConvertedSchema {
  const converted = convertJsonSchema(value, label);
  if (!converted.ok) throw new SkillInvalidError(file, converted.reason);
  return converted.value;
}

/**
 * Parses and validates the text of a SKILL.md. `file` is only used in error messages and on
 * the result; `expectedName` (the folder name) must match the front matter's name when given.
 */
export function parseSkill(text: string, file: string, expectedName?: string): Skill {
  const { yaml, body } = splitFrontMatter(text, file);
  const front = parseFrontMatter(yaml, file);
  if (expectedName !== undefined && front.name !== expectedName)
    throw new SkillInvalidError(
      file,
      `front matter name "${front.name}" differs from its folder "${expectedName}"`,
    );
  const sections = splitSections(body, file);
  for (const name of requiredSections) {
    const content = sections.get(name);
    if (content === undefined) throw new SkillInvalidError(file, `missing section "## ${name}"`);
    if (content === '') throw new SkillInvalidError(file, `section "## ${name}" is empty`);
  }
  const inputs = convertOrThrow(front.inputs, 'inputs', file);
  const output = convertOrThrow(front.output_schema, 'output_schema', file);
  const inputFields = Object.keys(inputs.jsonSchema.properties as Record<string, unknown>);
  const required = new Set((inputs.jsonSchema.required as string[] | undefined) ?? []);
  const optional = inputFields.filter((field) => !required.has(field));
  if (optional.length > 0)
    throw new SkillInvalidError(
      file,
      `inputs: every input must be required (use a nullable type for "may be absent"); not required: ${optional.join(', ')}`,
    );
  const template = sections.get('Inputs') ?? '';
  const used = new Set([...template.matchAll(placeholderPattern)].map((match) => match[1] ?? ''));
  const undeclared = [...used].filter((field) => !inputFields.includes(field));
  if (undeclared.length > 0)
    throw new SkillInvalidError(
      file,
      `section "## Inputs" uses {{${undeclared.join('}}, {{')}}}, not declared under inputs`,
    );
  const unused = inputFields.filter((field) => !used.has(field));
  if (unused.length > 0)
    throw new SkillInvalidError(
      file,
      `section "## Inputs" never places declared input(s) ${unused.join(', ')} (add {{${unused[0]}}})`,
    );
  return {
    name: front.name,
    role: front.role,
    description: front.description,
    version: front.version,
    temperature: front.temperature,
    routes: front.routes,
    model: front.model,
    timeoutMs: front.timeout_ms,
    file,
    hash: hashSkillText(text),
    persona: sections.get('Persona') ?? '',
    inputsTemplate: template,
    outputGuidance: sections.get('Output schema') ?? '',
    inputFields,
    inputs,
    output,
  };
}

/** Reads and parses `<dir>/SKILL.md`; the folder name is the skill's name. */
export async function loadSkillFile(file: string): Promise<Skill> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SkillInvalidError(
      file,
      `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  return parseSkill(text, file, path.basename(path.dirname(file)));
}

export { placeholderPattern };
