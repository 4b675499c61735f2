// Shared by the fake CLIs: the step queue file, stdin, sleep, the start of a run.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pops the next step of {"steps":[...],"default":{...}}; the rewrite is atomic (rename). */
export function nextStep(file) {
  if (!file || !existsSync(file)) return undefined;
  const script = JSON.parse(readFileSync(file, 'utf8'));
  const steps = script.steps ?? [];
  if (steps.length === 0) return script.default;
  const [step, ...rest] = steps;
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ ...script, steps: rest }));
  renameSync(temp, file);
  return step;
}

export function readStdin() {
  if (process.stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', () => resolve(''));
  });
}

/**
 * The start every fake CLI run shares: log the call and its environment's names (<PREFIX>_LOG), take the next scripted step
 * (<PREFIX>_SCRIPT; a plain success by default), wait its delay, and hang if it says so.
 */
export async function beginStep(prefix, argv, prompt) {
  // The names (not the values) of the environment the route gave us: tests check the allow-list.
  if (process.env[`${prefix}_LOG`])
    appendFileSync(
      process.env[`${prefix}_LOG`],
      `${JSON.stringify({ argv, stdin: prompt, envNames: Object.keys(process.env).sort() })}\n`,
    );
  const step = nextStep(process.env[`${prefix}_SCRIPT`]) ?? {
    kind: 'success',
    text: '{"action":"HOLD","confidence":0.5}',
  };
  if (step.delayMs) await sleep(step.delayMs);
  process.on('SIGTERM', () => process.exit(143));
  if (step.kind === 'hang') await sleep(3_600_000);
  return step;
}
