#!/usr/bin/env node
// A fake `codex` (OpenAI Codex CLI) for tests: speaks `codex exec --json` of reference §2
// (JSONL events, prompt on stdin when the last argument is "-", `--output-schema <file>`,
// `--output-last-message <file>`, exit 0/1). Steps come from FAKE_CODEX_SCRIPT, argv and stdin
// are logged to FAKE_CODEX_LOG, like fake-claude.mjs.
import { readFileSync, writeFileSync } from 'node:fs';
import { beginStep, readStdin } from './fake-cli-common.mjs';

const argv = process.argv.slice(2);
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
if (schemaFile !== undefined) {
  try {
    JSON.parse(readFileSync(schemaFile, 'utf8'));
  } catch (error) {
    process.stderr.write(`Error: failed to read output schema file ${schemaFile}: ${error.message}\n`);
    process.exit(1);
  }
}
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
if (step.kind === 'success') {
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
