#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
// A fake `claude` (Claude Code CLI) for tests: speaks the print-mode contract of reference §1
// (argv flags, prompt from stdin or argv, `--output-format json|stream-json|text`, the result
// object, exit codes). Behaviour comes from a script file named by FAKE_CLAUDE_SCRIPT:
// {"steps":[...], "default": {...}}; each run consumes one step. Each run's argv and stdin are
// appended to FAKE_CLAUDE_LOG (JSON lines) when set.
import { beginStep, readStdin } from './fake-cli-common.mjs';
import { anthropicSchemaProblem } from './schema-rules.mjs';

const argv = process.argv.slice(2);

// The flags of `claude` (CLI reference, code.claude.com/docs/en/cli-reference; reference §1.1):
// name → whether it takes a value. Anything else is refused as commander refuses it:
// "error: unknown option '--x'" on stderr, exit 1, nothing on stdout (reference §1.2).
const knownFlags = new Map([
  ['-p', false],
  ['--print', false],
  ['--output-format', true],
  ['--input-format', true],
  ['--verbose', false],
  ['--include-partial-messages', false],
  ['--model', true],
  ['--fallback-model', true],
  ['--system-prompt', true],
  ['--system-prompt-file', true],
  ['--append-system-prompt', true],
  ['--append-system-prompt-file', true],
  ['--max-turns', true],
  ['--max-budget-usd', true],
  ['--disallowedTools', true],
  ['--disallowed-tools', true],
  ['--allowedTools', true],
  ['--allowed-tools', true],
  ['--tools', true],
  ['--json-schema', true],
  ['--permission-mode', true],
  ['--bare', false],
  ['--no-session-persistence', false],
  ['--session-id', true],
  ['--resume', true],
  ['--continue', false],
  ['--settings', true],
  ['--effort', true],
  ['--add-dir', true],
  ['--mcp-config', true],
  ['--strict-mcp-config', false],
]);
for (let index = 0; index < argv.length; index += 1) {
  const value = argv[index];
  if (!value.startsWith('-') || value === '-') continue;
  const name = value.includes('=') ? value.slice(0, value.indexOf('=')) : value;
  if (!knownFlags.has(name)) {
    process.stderr.write(`error: unknown option '${name}'\n`);
    process.exit(1);
  }
  if (knownFlags.get(name) && !value.includes('=')) index += 1;
}
const flag = (name) => {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
};
const format = flag('--output-format') ?? 'text';
if (!argv.includes('-p') && !argv.includes('--print')) {
  process.stderr.write('Error: fake claude only supports print mode (-p)\n');
  process.exit(1);
}
if (format === 'stream-json' && !argv.includes('--verbose')) {
  process.stderr.write('Error: When using --print, --output-format=stream-json requires --verbose\n');
  process.exit(1);
}
const schema = flag('--json-schema');
let schemaProblem;
if (schema !== undefined) {
  let parsed;
  try {
    parsed = JSON.parse(schema);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    process.stderr.write('Error: --json-schema is not a valid JSON Schema\n');
    process.exit(1);
  }
  // The CLI forwards the schema to the Messages API's structured outputs, whose subset applies
  // (schema-rules.mjs); a refusal comes back as an API error result (reference §1.2, §1.4).
  schemaProblem = anthropicSchemaProblem(parsed);
}
const stdin = await readStdin();
// The prompt is the one positional argument (-p is a boolean flag; --flags take a value).
const positional = argv.find(
  (value, index) => !value.startsWith('-') && (index === 0 || !argv[index - 1].startsWith('--')),
);
const prompt = stdin || positional || '';
const step = await beginStep('FAKE_CLAUDE', argv, prompt);
if (step.kind === 'exit') {
  if (step.stdout) process.stdout.write(step.stdout);
  process.stderr.write(step.stderr ?? 'Error: something went wrong\n');
  process.exit(step.code ?? 1);
}

const model = flag('--model') ?? 'claude-sonnet-5-5';
const aliases = {
  sonnet: 'claude-sonnet-5-5',
  opus: 'claude-opus-5-5',
  haiku: 'claude-haiku-5-5',
  fable: 'claude-fable-5-1',
};
const resolved = aliases[model] ?? model;
// Model ids the service knows (reference §3.7); another is the CLI's model error (errors page).
const knownModels = new Set([
  ...Object.values(aliases),
  'claude-opus-4-8',
  'claude-sonnet-4-6',
  'claude-haiku-4-5',
]);
if (!knownModels.has(resolved) && step.kind === 'success')
  Object.assign(step, {
    kind: 'api_error',
    status: 404,
    text: `There's an issue with the selected model (${model}). It may not exist or you may not have access to it. Run --model to pick a different model.`,
  });
else if (schemaProblem && step.kind === 'success')
  Object.assign(step, {
    kind: 'api_error',
    status: 400,
    text: `API Error: 400 ${JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: schemaProblem } })}`,
  });
const sessionId = randomUUID();
const zeroUsage = {
  input_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  output_tokens: 0,
  service_tier: 'standard',
};
let result;
let exitCode = 0;
if (step.kind === 'success') {
  const usage = {
    input_tokens: 12,
    cache_creation_input_tokens: 4120,
    cache_read_input_tokens: 15890,
    output_tokens: 214,
    server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
    service_tier: 'standard',
    cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 4120 },
    inference_geo: '',
    iterations: [],
    speed: 'standard',
    ...step.usage,
  };
  const cost = step.costUsd ?? 0.0213;
  result = {
    type: 'result',
    subtype: 'success',
    is_error: false,
    duration_ms: 7412,
    duration_api_ms: 6980,
    num_turns: 2,
    result: step.text,
    stop_reason: 'end_turn',
    session_id: sessionId,
    total_cost_usd: cost,
    usage,
    modelUsage: {
      [resolved]: {
        inputTokens: usage.input_tokens,
        outputTokens: usage.output_tokens,
        cacheReadInputTokens: usage.cache_read_input_tokens,
        cacheCreationInputTokens: usage.cache_creation_input_tokens,
        webSearchRequests: 0,
        costUSD: cost,
        contextWindow: 1000000,
        maxOutputTokens: 128000,
      },
    },
    permission_denials: [],
    terminal_reason: 'completed',
    uuid: randomUUID(),
  };
  if (step.structured !== undefined && schema !== undefined) result.structured_output = step.structured;
} else if (step.kind === 'api_error' || step.kind === 'usage_limit') {
  const texts = {
    429: 'API Error: Request rejected (429) · This request would exceed your organization rate limit. Please try again later.',
    529: 'API Error: Repeated 529 Overloaded errors. Please try again later.',
    500: 'API Error: 500 Internal server error. Please try again later.',
    401: 'Not logged in · Please run /login',
  };
  const status = step.kind === 'usage_limit' ? (step.status ?? 429) : (step.status ?? null);
  const text =
    step.kind === 'usage_limit'
      ? (step.text ?? "You've hit your session limit · resets 3:45pm")
      : (step.text ??
        texts[status] ??
        'API Error: Connection refused — a firewall or proxy may be blocking it (ConnectionRefused)');
  result = {
    duration_api_ms: 0,
    stop_reason: 'stop_sequence',
    session_id: sessionId,
    total_cost_usd: 0,
    usage: zeroUsage,
    modelUsage: {},
    permission_denials: [],
    terminal_reason: 'api_error',
    is_error: true,
    num_turns: 1,
    subtype: 'success',
    api_error_status: status,
    result: text,
    type: 'result',
    duration_ms: 167,
    uuid: randomUUID(),
  };
  exitCode = 1;
} else if (step.kind === 'max_turns') {
  result = {
    type: 'result',
    subtype: 'error_max_turns',
    is_error: true,
    num_turns: 2,
    terminal_reason: 'max_turns',
    errors: ['Reached maximum number of turns (1)'],
    session_id: sessionId,
    total_cost_usd: 0.004,
    usage: zeroUsage,
    modelUsage: {},
    permission_denials: [],
    duration_ms: 900,
    duration_api_ms: 800,
    stop_reason: null,
    uuid: randomUUID(),
  };
  exitCode = 1;
} else {
  process.stderr.write(`fake claude: unknown step kind ${step.kind}\n`);
  process.exit(2);
}

if (step.warning) process.stdout.write(`${step.warning}\n`);
if (format === 'json') {
  if (step.verbose) {
    const init = {
      type: 'system',
      subtype: 'init',
      session_id: sessionId,
      tools: [],
      mcp_servers: [],
      model: resolved,
      uuid: randomUUID(),
    };
    process.stdout.write(`${JSON.stringify([init, result])}\n`);
  } else process.stdout.write(`${JSON.stringify(result)}\n`);
} else if (format === 'stream-json') {
  process.stdout.write(
    `${JSON.stringify({ type: 'system', subtype: 'init', cwd: process.cwd(), session_id: sessionId, tools: [], mcp_servers: [], model: resolved, permissionMode: 'dontAsk', apiKeySource: 'none', claude_code_version: '2.1.330', uuid: randomUUID() })}\n`,
  );
  if (!result.is_error)
    process.stdout.write(
      `${JSON.stringify({ type: 'assistant', message: { id: 'msg_01A', type: 'message', role: 'assistant', model: resolved, content: [{ type: 'text', text: result.result }], stop_reason: 'end_turn', usage: { input_tokens: 12, output_tokens: 3 } }, parent_tool_use_id: null, session_id: sessionId, uuid: randomUUID() })}\n`,
    );
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  process.stdout.write(`${result.result ?? ''}\n`);
}
process.exit(exitCode);
