#!/usr/bin/env node
// A fake `codex` (OpenAI Codex CLI) for tests: speaks `codex exec --json` of reference §2
// (JSONL events, prompt on stdin when the last argument is "-", `--output-schema <file>`,
// `--output-last-message <file>`, exit 0/1). Steps come from FAKE_CODEX_SCRIPT, argv and stdin
// are logged to FAKE_CODEX_LOG, like fake-claude.mjs.
import { readFileSync, writeFileSync } from 'node:fs';
import { beginStep, readStdin } from './fake-cli-common.mjs';
import { openAiStrictSchemaProblem } from './schema-rules.mjs';

const argv = process.argv.slice(2);

// The flags of `codex exec` (codex-rs/exec/src/cli.rs; reference §2.1): name → takes a value.
// Anything else is refused as clap refuses it, exit 2.
const knownFlags = new Map([
  ['--json', false],
  ['--experimental-json', false],
  ['-o', true],
  ['--output-last-message', true],
  ['--output-schema', true],
  ['-m', true],
  ['--model', true],
  ['-s', true],
  ['--sandbox', true],
  ['--full-auto', false],
  ['--dangerously-bypass-approvals-and-sandbox', false],
  ['--yolo', false],
  ['-p', true],
  ['--profile', true],
  ['-C', true],
  ['--cd', true],
  ['-i', true],
  ['--image', true],
  ['--oss', false],
  ['--local-provider', true],
  ['--add-dir', true],
  ['--skip-git-repo-check', false],
  ['--ephemeral', false],
  ['--ignore-user-config', false],
  ['--ignore-rules', false],
  ['--color', true],
  ['-c', true],
  ['--config', true],
]);
for (let index = 1; index < argv.length; index += 1) {
  const value = argv[index];
  if (!value.startsWith('-') || value === '-') continue;
  const name = value.includes('=') ? value.slice(0, value.indexOf('=')) : value;
  if (!knownFlags.has(name)) {
    process.stderr.write(
      `error: unexpected argument '${name}' found\n\n  tip: to pass '${name}' as a value, use '-- ${name}'\n\nUsage: codex exec [OPTIONS] [PROMPT]\n\nFor more information, try '--help'.\n`,
    );
    process.exit(2);
  }
  if (knownFlags.get(name) && !value.includes('=')) index += 1;
}
const flag = (...names) => {
  for (const name of names) {
    const index = argv.indexOf(name);
    if (index >= 0) return argv[index + 1];
  }
  return undefined;
};
if (argv[0] !== 'exec') {
  process.stderr.write('error: fake codex supports only `codex exec`\n');
  process.exit(2);
}
const schemaFile = flag('--output-schema');
let schemaProblem;
if (schemaFile !== undefined) {
  try {
    // Codex sends the file as the Responses API's text.format, strict, named codex_output_schema
    // (openai/codex codex-rs/core client); the strict subset applies (schema-rules.mjs).
    schemaProblem = openAiStrictSchemaProblem(
      JSON.parse(readFileSync(schemaFile, 'utf8')),
      'codex_output_schema',
    );
  } catch (error) {
    process.stderr.write(`Error: failed to read output schema file ${schemaFile}: ${error.message}\n`);
    process.exit(1);
  }
}
// Models a ChatGPT-plan login can use (reference §4.4); another is the API's 400, as codex prints it.
const knownModels = new Set([
  'gpt-6-astra',
  'gpt-6.1-sol',
  'gpt-6.1-terra',
  'gpt-6-sol',
  'gpt-6-luna',
  'gpt-5.5',
  'gpt-5.4',
  'gpt-5.4-mini',
]);
const model = flag('-m', '--model') ?? 'gpt-6.1-sol';
const json = argv.includes('--json') || argv.includes('--experimental-json');
const last = argv.at(-1);
const prompt = last === '-' || last === 'exec' ? await readStdin() : last;
const step = await beginStep('FAKE_CODEX', argv, prompt);
if (step.kind === 'exit') {
  process.stderr.write(step.stderr ?? 'Error: something went wrong\n');
  process.exit(step.code ?? 1);
}
const emit = (event) => {
  if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
};
if (step.banner) process.stdout.write(`${step.banner}\n`);
emit({ type: 'thread.started', thread_id: '0199a213-81c0-7800-8aa1-bbab2a035a53' });
emit({ type: 'turn.started' });
const apiError = (message) =>
  JSON.stringify(
    { error: { message, type: 'invalid_request_error', param: 'text.format.schema', code: null } },
    null,
    2,
  );
if (step.kind === 'success' && !knownModels.has(model))
  Object.assign(step, {
    kind: 'turn_failed',
    message: apiError(`The '${model}' model is not supported when using Codex with a ChatGPT account.`),
  });
else if (step.kind === 'success' && schemaProblem)
  Object.assign(step, { kind: 'turn_failed', message: apiError(schemaProblem) });
if (step.kind === 'success') {
  // A stream that drops mid-turn: codex prints transient error events, reconnects and completes
  // the turn (public report: nexu-io/open-design issue #2268, "Reconnecting... 1/5 (stream
  // disconnected before completion: …)"; the turn's outcome is turn.completed, exit 0).
  for (let attempt = 1; attempt <= (step.reconnects ?? 0); attempt += 1)
    emit({
      type: 'error',
      message: `Reconnecting... ${attempt}/5 (stream disconnected before completion: error sending request for url (https://chatgpt.com/backend-api/codex/responses))`,
    });
  emit({
    type: 'item.completed',
    item: { id: 'item_0', type: 'reasoning', text: '**Checking the bar data**' },
  });
  emit({ type: 'item.completed', item: { id: 'item_1', type: 'agent_message', text: step.text } });
  emit({
    type: 'turn.completed',
    usage: {
      input_tokens: 26642,
      cached_input_tokens: 8576,
      output_tokens: 52,
      reasoning_output_tokens: 31,
      ...step.usage,
    },
  });
  const lastFile = flag('-o', '--output-last-message');
  if (lastFile) writeFileSync(lastFile, step.text);
  if (!json) process.stdout.write(`${step.text}\n`);
  process.exit(0);
}
const messages = {
  usage_limit:
    "You've hit your usage limit. Visit https://chatgpt.com/codex/settings/usage to purchase more credits or try again at Apr 28th, 2026 10:03 PM.",
  turn_failed: 'exceeded retry limit, last status: 429 Too Many Requests',
};
const message = step.message ?? messages[step.kind] ?? 'unexpected status 502 Bad Gateway: upstream error';
emit({ type: 'error', message });
emit({ type: 'turn.failed', error: { message } });
if (!json) process.stderr.write(`ERROR: ${message}\n`);
process.exit(1);
