import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { processCliEnvironment } from '../../../config/index.ts';
import { LlmProcessError } from '../../errors.ts';
import { claudeCliSchema } from '../../provider-schemas/index.ts';
import type { Billing, Route, RouteRequest, RouteResponse } from '../../route.ts';
import { classifyCliError, transcript } from '../cli-errors.ts';
import { jsonLines, runProcess } from '../process.ts';
import { withTempDir } from '../temp.ts';

/** The `--output-format json` result object, only the fields we use (reference §1.3). */
const resultSchema = z.object({
  type: z.literal('result'),
  subtype: z.string().optional(),
  is_error: z.boolean().default(false),
  result: z.string().optional(),
  structured_output: z.unknown().optional(),
  errors: z.array(z.string()).optional(),
  total_cost_usd: z.number().optional(),
  api_error_status: z.number().nullable().optional(),
  usage: z
    .object({
      input_tokens: z.number().default(0),
      output_tokens: z.number().default(0),
      cache_creation_input_tokens: z.number().default(0),
      cache_read_input_tokens: z.number().default(0),
    })
    .optional(),
  modelUsage: z.record(z.string(), z.unknown()).optional(),
});
type ClaudeResult = z.infer<typeof resultSchema>;

/** One JSON value, or an array of session messages (verbose mode) whose last result counts. */
function findResult(stdout: string): ClaudeResult | undefined {
  const candidates: unknown[] = [];
  try {
    candidates.push(JSON.parse(stdout));
  } catch {
    candidates.push(...jsonLines(stdout).reverse());
  }
  for (const candidate of candidates) {
    const items = Array.isArray(candidate) ? [...candidate].reverse() : [candidate];
    for (const item of items) {
      const parsed = resultSchema.safeParse(item);
      if (parsed.success) return parsed.data;
    }
  }
  return undefined;
}

// Linux caps one argv string at 128 KiB; longer system prompts go through a file.
const maxArgLength = 100_000;

export interface ClaudeCliRouteOptions {
  name: string;
  model: string;
  binary?: string;
  timeoutMs: number;
  billing?: Billing;
  /** More environment variables for the child than its allow-list (`llm.routes[].passEnv`). */
  passEnv?: readonly string[];
}

/** Claude Code in print mode: no tools, our system prompt, JSON result on stdout. */
export function createClaudeCliRoute(options: ClaudeCliRouteOptions): Route {
  const { name, model } = options;
  const binary = options.binary ?? 'claude';
  return {
    name,
    kind: 'claude-cli',
    model,
    billing: options.billing ?? 'subscription',
    timeoutMs: options.timeoutMs,
    complete(request: RouteRequest): Promise<RouteResponse> {
      return withTempDir(async (dir) => {
        const args = [
          '-p',
          '--output-format',
          'json',
          '--model',
          model,
          '--tools',
          '',
          '--permission-mode',
          'dontAsk',
        ];
        args.push('--no-session-persistence', '--max-turns', '3');
        if (request.system.length > maxArgLength && dir) {
          const file = `${dir}/system.md`;
          await writeFile(file, request.system);
          args.push('--system-prompt-file', file);
        } else args.push('--system-prompt', request.system);
        // The CLI hands the schema to the Messages API's structured outputs: the Anthropic subset.
        args.push('--json-schema', JSON.stringify(claudeCliSchema(request.output.jsonSchema)));
        const run = await runProcess({
          route: name,
          binary,
          args,
          stdin: transcript(request.messages),
          timeoutMs: request.timeoutMs,
          signal: request.signal,
          env: processCliEnvironment('claude-cli', options.passEnv),
        });
        const result = findResult(run.stdout);
        if (!result) {
          const why = run.stderr.trim() || run.stdout.trim() || `exit ${run.code ?? run.signal}`;
          if (run.code === 0)
            throw new LlmProcessError(`${name}: no result object on stdout: ${why.slice(0, 300)}`, {
              route: name,
            });
          throw classifyCliError(name, `exit ${run.code ?? run.signal}: ${why}`);
        }
        if (result.is_error || run.code !== 0) {
          const text = result.result ?? result.errors?.join('; ') ?? result.subtype ?? 'error';
          throw classifyCliError(name, text, result.api_error_status);
        }
        const usage = result.usage;
        const cacheRead = usage?.cache_read_input_tokens ?? 0;
        const cacheWrite = usage?.cache_creation_input_tokens ?? 0;
        const answered = Object.keys(result.modelUsage ?? {})[0];
        return {
          text: result.result ?? '',
          structured: result.structured_output,
          model: answered ?? model,
          reportedCostUsd: result.total_cost_usd,
          usage: {
            inputTokens: (usage?.input_tokens ?? 0) + cacheRead + cacheWrite,
            outputTokens: usage?.output_tokens ?? 0,
            cachedTokens: cacheRead,
            cacheWriteTokens: cacheWrite,
          },
        };
      }, request.system.length > maxArgLength);
    },
  };
}
