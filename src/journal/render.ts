import { stringify as toYaml } from 'yaml';
import { stableJson } from '../skills/index.ts';
import type { BrokerAction, JournalEntry } from './schema.ts';

/** A code fence longer than any run of backticks in the content, so model text cannot close it. */
export function fenced(content: string, language = ''): string {
  let longest = 0;
  // Most content has no backtick at all (JSON of numbers and names): no scan needed then.
  if (content.includes('`'))
    for (const match of content.matchAll(/`+/g)) longest = Math.max(longest, match[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${content}\n${fence}`;
}

/** One line of untrusted text: no line breaks that could start a heading or a list. */
export function inline(text: string): string {
  // Without a line break the pattern cannot match: only the trim is left.
  if (!text.includes('\n') && !text.includes('\r')) return text.trim();
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Free text as a block quote: whatever it contains stays inside the quote. */
export function quoted(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split('\n')
    .map((line) => (line.trim() === '' ? '>' : `> ${line}`))
    .join('\n');
}

function scalarText(value: unknown): string {
  if (value === null) return '—';
  if (typeof value === 'string') return inline(value) || '""';
  return stableJson(value);
}

/**
 * A record as a list: short scalars inline, long text as a quote under its key, structures as
 * a JSON block. Keys keep the order the producer gave them (the proposal reads top-down).
 */
function renderRecord(record: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (typeof value === 'string' && (value.length > 80 || /[\r\n]/.test(value))) {
      lines.push(`- **${inline(key)}**:`, '', quoted(value), '');
    } else if (value !== null && typeof value === 'object') {
      lines.push(`- **${inline(key)}**:`, '', fenced(stableJson(value), 'json'), '');
    } else {
      lines.push(`- **${inline(key)}**: ${scalarText(value)}`);
    }
  }
  return lines.join('\n').trim();
}

function renderBroker(broker: BrokerAction | null): string {
  if (!broker) return 'No order was sent to the broker.';
  return renderRecord({
    status: broker.status,
    broker: broker.broker,
    client_order_id: broker.clientOrderId,
    broker_order_id: broker.brokerOrderId,
    message: broker.message,
    ...(Object.keys(broker.details).length > 0 ? { details: broker.details } : {}),
  });
}

function utc(ts: Date): string {
  return `${ts.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The front matter: the row's fields, so a file can be indexed again without the database. */
export function frontMatter(entry: JournalEntry): Record<string, unknown> {
  return {
    ts: entry.ts.toISOString(),
    cycle_id: entry.cycleId,
    symbol: entry.symbol,
    agent: entry.agent,
    outcome: entry.outcome,
    decided_by: entry.decidedBy,
    client_order_id: entry.clientOrderId ?? entry.broker?.clientOrderId ?? null,
    message_id: entry.messageId,
    signatures: entry.signatures.map((signature) => `${signature.signer}:${signature.verdict}`),
  };
}

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;
/** Letters first, then name characters; a colon only inside (`risk-gate:sign`): YAML keeps these plain. */
const plainWord = /^[A-Za-z][A-Za-z0-9_./-]*(?::[A-Za-z0-9_./-]+)*$/;
const yamlKeyword = /^(?:true|false|null)$/i;

function plainScalar(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  if (isoTimestamp.test(value)) return value;
  return plainWord.test(value) && !yamlKeyword.test(value) ? value : undefined;
}

/**
 * The front matter as the `yaml` package prints it (`lineWidth: 0`), written directly when every
 * value is one it prints plain (ids, names, ISO times, integers, null, lists of those): the
 * package's document model was a twelfth of a backtest's CPU. Anything else goes through the
 * package, so the text is the same either way (render.test.ts compares both).
 */
export function frontMatterYaml(record: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (!plainWord.test(key) || yamlKeyword.test(key)) return toYaml(record, { lineWidth: 0 });
    if (Array.isArray(value)) {
      if (value.length === 0) {
        lines.push(`${key}: []`);
        continue;
      }
      lines.push(`${key}:`);
      for (const item of value) {
        const text = plainScalar(item);
        if (text === undefined) return toYaml(record, { lineWidth: 0 });
        lines.push(`  - ${text}`);
      }
      continue;
    }
    const text = plainScalar(value);
    if (text === undefined) return toYaml(record, { lineWidth: 0 });
    lines.push(`${key}: ${text}`);
  }
  return lines.length === 0 ? toYaml(record, { lineWidth: 0 }) : `${lines.join('\n')}\n`;
}

/** Renders a decision for a person reading it with `cat`: what, who, on what inputs, what happened. */
export function renderJournalMarkdown(entry: JournalEntry): string {
  const title = `${entry.symbol ?? 'System'} — ${entry.outcome.replace('_', ' ')}`;
  const parts: string[] = [
    `---\n${frontMatterYaml(frontMatter(entry)).trimEnd()}\n---`,
    `# ${inline(title)}`,
    [
      `- **when**: ${utc(entry.ts)}`,
      `- **decided_by**: ${entry.decidedBy}`,
      `- **agent**: ${entry.agent}`,
      `- **cycle**: ${entry.cycleId ?? '—'}`,
    ].join('\n'),
    '## Proposal',
    entry.proposal ? renderRecord(entry.proposal) : 'No proposal.',
    '## Stance',
    entry.stance ? renderRecord(entry.stance) : 'No stance recorded.',
    '## Signatures',
  ];
  if (entry.signatures.length === 0) parts.push('No signatures.');
  for (const signature of entry.signatures) {
    parts.push(
      `### ${signature.signer}: ${signature.verdict.toUpperCase()} (${signature.decidedBy}, ${signature.at})`,
      signature.reasons.length > 0
        ? signature.reasons.map((reason) => `- ${inline(reason)}`).join('\n')
        : '- (no reasons given)',
    );
  }
  parts.push('## Broker', renderBroker(entry.broker));
  if (entry.notes.length > 0) parts.push('## Notes', entry.notes.map((note) => quoted(note)).join('\n\n'));
  parts.push('## Inputs as seen');
  const inputs = Object.entries(entry.inputs);
  if (inputs.length === 0) parts.push('No inputs recorded.');
  for (const [agent, seen] of inputs) parts.push(`### ${inline(agent)}`, fenced(stableJson(seen), 'json'));
  return `${parts.join('\n\n')}\n`;
}

export interface JournalResolution {
  at: Date;
  /** Heading after "Resolution": e.g. "exit", "reflection". */
  label?: string;
  /** Facts as key/value (exit price, result in R, ...). */
  fields?: Record<string, unknown>;
  /** Free text (e.g. the reflection skill's answer), shown as a quote. */
  text?: string;
  decidedBy?: string;
}

export function renderResolution(resolution: JournalResolution): string {
  const label = resolution.label ? `: ${inline(resolution.label)}` : '';
  const parts = [`## Resolution${label} (${utc(resolution.at)})`];
  if (resolution.decidedBy) parts.push(`- **decided_by**: ${inline(resolution.decidedBy)}`);
  if (resolution.fields && Object.keys(resolution.fields).length > 0)
    parts.push(renderRecord(resolution.fields));
  if (resolution.text?.trim()) parts.push(quoted(resolution.text));
  return `${parts.join('\n\n')}\n`;
}
