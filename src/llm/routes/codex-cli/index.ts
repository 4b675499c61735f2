import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { processCliEnvironment } from '../../../config/index.ts';
import { LlmProcessError } from '../../errors.ts';
import { codexSchema } from '../../provider-schemas/index.ts';
import type { Billing, Route, RouteRequest, RouteResponse } from '../../route.ts';
import { classifyCliError, transcript } from '../cli-errors.ts';
import { jsonLines, runProcess } from '../process.ts';
import { withTempDir } from '../temp.ts';

/** `codex exec --json` events we read (reference §2.2); every other type is ignored. */
const eventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('item.completed'),
    item: z.object({ type: z.string(), text: z.string().optional() }),
  }),
  z.object({
    type: z.literal('turn.completed'),
    usage: z.object({
      input_tokens: z.number().default(0),
      cached_input_tokens: z.number().default(0),
      output_tokens: z.number().default(0),
    }),
  }),
  z.object({ type: z.literal('turn.failed'), error: z.object({ message: z.string() }) }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);

export interface CodexCliRouteOptions {
  name: string;
  model: string;
  binary?: string;
  timeoutMs: number;
  billing?: Billing;
  /** More environment variables for the child than its allow-list (`llm.routes[].passEnv`). */
  passEnv?: readonly string[];
}

/** `codex exec` non-interactively: JSONL events, read-only sandbox, answer schema from a file. */
export function createCodexCliRoute(options: CodexCliRouteOptions): Route {
  const { name, model } = options;
  const binary = options.binary ?? 'codex';
  return {
    name,
    kind: 'codex-cli',
    model,
    billing: options.billing ?? 'subscription',
    timeoutMs: options.timeoutMs,
    complete(request: RouteRequest): Promise<RouteResponse> {
      return withTempDir(async (dir) => {
        const schemaFile = `${dir}/schema.json`;
        // Codex sends the file to the Responses API with strict: true: the strict subset.
        await writeFile(schemaFile, JSON.stringify(codexSchema(request.output.jsonSchema)));
        const args = ['exec', '--json', '--skip-git-repo-check', '--ephemeral', '--sandbox', 'read-only'];
        args.push('-m', model, '--output-schema', schemaFile, '-');
        // codex exec has no system-prompt flag: the stable prefix leads the prompt.
        const stdin = `${request.system}\n\n${transcript(request.messages)}`;
        const run = await runProcess({
          route: name,
          binary,
          args,
          stdin,
          timeoutMs: request.timeoutMs,
          signal: request.signal,
          env: processCliEnvironment('codex-cli', options.passEnv),
        });
        let text: string | undefined;
        let usage = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0 };
        let completed = false;
        let failed: string | undefined;
        // `error` events are not the outcome: codex prints them for transient trouble too
        // ("Reconnecting... 1/5 (stream disconnected …)") and then completes the turn. The turn's
        // own event decides; an error event only explains a turn that never completed.
        const errors: string[] = [];
        for (const value of jsonLines(run.stdout)) {
          const parsed = eventSchema.safeParse(value);
          if (!parsed.success) continue;
          const event = parsed.data;
          if (event.type === 'item.completed' && event.item.type === 'agent_message')
            text = event.item.text ?? '';
          else if (event.type === 'turn.completed') {
            usage = event.usage;
            completed = true;
          } else if (event.type === 'turn.failed') failed = event.error.message;
          else if (event.type === 'error') errors.push(event.message);
        }
        if (completed && failed === undefined && run.code === 0 && text !== undefined) {
          return {
            text,
            model,
            usage: {
              // Codex's input_tokens already includes the cached ones.
              inputTokens: usage.input_tokens,
              outputTokens: usage.output_tokens,
              cachedTokens: usage.cached_input_tokens,
              cacheWriteTokens: 0,
            },
          };
        }
        const why = failed ?? errors.at(-1);
        if (why !== undefined) throw classifyCliError(name, why);
        if (run.code === 0)
          throw new LlmProcessError(`${name}: no completed turn with an agent_message in the event stream`, {
            route: name,
          });
        throw classifyCliError(name, `exit ${run.code ?? run.signal}: ${run.stderr.trim() || 'no output'}`);
      });
    },
  };
}
