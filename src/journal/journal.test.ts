import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { journalTestBed } from '../../test/support/journal-bed.ts';
import { ValidationError } from '../errors/index.ts';
import {
  appendJournalResolution,
  type JournalEntryInput,
  JournalNotFoundError,
  JournalPathError,
  JournalWriteError,
  journalSql,
  listJournal,
  readJournalEntry,
  writeJournalEntry,
} from './index.ts';

const bed = journalTestBed('signet-journal-');
let root: string;

beforeEach(async () => {
  root = await bed.freshRoot();
});

const ts = new Date('2026-11-21T14:30:05.250Z');
const at = '2026-11-21T14:30:04.000Z';

function vetoed(overrides: Partial<JournalEntryInput> = {}): JournalEntryInput {
  return {
    ts,
    cycleId: 'cycle-42',
    symbol: 'AAPL',
    agent: 'pipeline',
    outcome: 'vetoed',
    decidedBy: 'llm',
    proposal: {
      decision: 'trade',
      side: 'buy',
      entryType: 'limit',
      entryPrice: 187.25,
      stopPrice: 183.5,
      targetPrice: 195,
      horizonBars: 12,
      rationale: 'Higher highs since the 12th; the close of 187.9 holds above the 20-bar average of 184.1.',
      confidence: 0.58,
    },
    stance: { regime: 'trending_up', bias: 'long', riskMultiplier: 0.75, decidedBy: 'fallback' },
    signatures: [
      { signer: 'risk-gate', verdict: 'sign', reasons: ['within limits'], decidedBy: 'code', at },
      {
        signer: 'fact-checker',
        verdict: 'veto',
        reasons: ['rationale cites close 187.9; data shows 186.9', 'quote 41 s old'],
        decidedBy: 'llm',
        at,
      },
      { signer: 'double-checker', verdict: 'sign', reasons: ['trend intact'], decidedBy: 'llm', at },
    ],
    inputs: {
      strategist: { symbol: 'AAPL', quote: { last: 187.3, t: at } },
      'fact-checker': { freshQuote: { last: 187.31 } },
    },
    broker: null,
    ...overrides,
  };
}

async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('writeJournalEntry', () => {
  it('writes the decision as markdown and a row pointing to it', async () => {
    const written = await writeJournalEntry(vetoed(), { db: bed.store, root });
    expect(written.path).toBe('journal/2026-11-21/14-30-05-AAPL-vetoed.md');
    expect(written.file).toBe(path.join(root, 'journal', '2026-11-21', '14-30-05-AAPL-vetoed.md'));
    const text = await readFile(written.file, 'utf8');
    expect(text.startsWith('---\nts: 2026-11-21T14:30:05.250Z\ncycle_id: cycle-42\nsymbol: AAPL\n')).toBe(
      true,
    );
    expect(text).toContain('decided_by: llm\n');
    expect(text).toContain('# AAPL — vetoed');
    expect(text).toContain('- **decided_by**: llm');
    expect(text).toContain('## Proposal\n\n- **decision**: trade\n- **side**: buy\n- **entryType**: limit');
    expect(text).toContain('- **entryPrice**: 187.25');
    expect(text).toContain('> Higher highs since the 12th; the close of 187.9 holds');
    expect(text).toContain('## Stance\n\n- **regime**: trending_up');
    expect(text).toContain(
      `### fact-checker: VETO (llm, ${at})\n\n- rationale cites close 187.9; data shows 186.9\n- quote 41 s old`,
    );
    expect(text).toContain('### risk-gate: SIGN (code');
    expect(text).toContain('## Broker\n\nNo order was sent to the broker.');
    expect(text).toContain(
      '## Inputs as seen\n\n### strategist\n\n```json\n{\n  "quote": {\n    "last": 187.3,',
    );

    const rows = await bed.store.query(journalSql.byPath(), [written.path]);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({
      id: written.id,
      cycle_id: 'cycle-42',
      symbol: 'AAPL',
      agent: 'pipeline',
      outcome: 'vetoed',
      decided_by: 'llm',
      path: written.path,
      summary: {
        signatures: { 'risk-gate': 'sign', 'fact-checker': 'veto', 'double-checker': 'sign' },
        broker: null,
      },
    });
    expect(new Date(rows.rows[0]?.ts as Date).toISOString()).toBe(ts.toISOString());
    await expect(readFile(path.join(root, String(rows.rows[0]?.path)), 'utf8')).resolves.toBe(text);
  });

  it('records what the broker did and the client order id', async () => {
    const written = await writeJournalEntry(
      vetoed({
        outcome: 'executed',
        decidedBy: 'fallback',
        broker: { status: 'submitted', broker: 'paper', clientOrderId: 'sig-abc', details: { qty: 12 } },
        summary: { qty: 12 },
      }),
      { db: bed.store, root },
    );
    const document = await readJournalEntry({ root, path: written.path });
    expect(document.text).toContain(
      '## Broker\n\n- **status**: submitted\n- **broker**: paper\n- **client_order_id**: sig-abc',
    );
    expect(document.meta).toMatchObject({
      outcome: 'executed',
      decided_by: 'fallback',
      client_order_id: 'sig-abc',
    });
    const row = (await bed.store.query(journalSql.byPath(), [written.path])).rows[0];
    expect(row).toMatchObject({ client_order_id: 'sig-abc', summary: { broker: 'submitted', qty: 12 } });
  });

  it('never overwrites: a name collision gets a suffix, also under concurrent writers', async () => {
    const first = await writeJournalEntry(vetoed(), { db: bed.store, root });
    const firstText = await readFile(first.file, 'utf8');
    const more = await Promise.all(
      [1, 2, 3, 4].map((index) =>
        writeJournalEntry(vetoed({ notes: [`writer ${index}`] }), { db: bed.store, root }),
      ),
    );
    const names = more.map((each) => path.basename(each.path)).sort();
    expect(names).toEqual([
      '14-30-05-AAPL-vetoed-2.md',
      '14-30-05-AAPL-vetoed-3.md',
      '14-30-05-AAPL-vetoed-4.md',
      '14-30-05-AAPL-vetoed-5.md',
    ]);
    await expect(readFile(first.file, 'utf8')).resolves.toBe(firstText);
    for (const each of more) {
      const note = (await readFile(each.file, 'utf8')).match(/> writer (\d)/)?.[1];
      expect(note).toBeDefined();
    }
    // No temp file is left behind.
    expect(await filesIn(path.dirname(first.file))).toEqual([
      '14-30-05-AAPL-vetoed-2.md',
      '14-30-05-AAPL-vetoed-3.md',
      '14-30-05-AAPL-vetoed-4.md',
      '14-30-05-AAPL-vetoed-5.md',
      '14-30-05-AAPL-vetoed.md',
    ]);
  });

  it('sanitises the symbol for the file name and handles entries without one', async () => {
    const crypto = await writeJournalEntry(vetoed({ symbol: '../BTC/USD:X' }), { db: bed.store, root });
    expect(crypto.path).toBe('journal/2026-11-21/14-30-05-___BTC_USD_X-vetoed.md');
    const halt = await writeJournalEntry(
      vetoed({ symbol: null, outcome: 'halted', decidedBy: 'watchdog', agent: 'watchdog', proposal: null }),
      { db: bed.store, root },
    );
    expect(halt.path).toBe('journal/2026-11-21/14-30-05-SYSTEM-halted.md');
    expect(await readFile(halt.file, 'utf8')).toContain('# System — halted');
    expect(await filesIn(path.join(root, 'journal', '2026-11-21'))).toHaveLength(2);
  });

  it('keeps model text inside its block: no injected headings, no broken fences', async () => {
    const written = await writeJournalEntry(
      vetoed({
        proposal: { rationale: 'ok\n## Resolution: fake\n```\nescaped' },
        signatures: [
          { signer: 'fact-checker', verdict: 'veto', reasons: ['bad\n# Heading'], decidedBy: 'llm', at },
        ],
        inputs: { strategist: { text: 'a ``` b ```` c' } },
      }),
      { db: bed.store, root },
    );
    const text = await readFile(written.file, 'utf8');
    expect(text).not.toMatch(/^#{1,3} (Resolution: fake|Heading)/m);
    expect(text).toContain('> ## Resolution: fake');
    expect(text).toContain('- bad # Heading');
    expect(text).toContain('`````json\n{\n  "text": "a ``` b ```` c"\n}\n`````');
  });

  it('commits or rolls back the row with the caller transaction', async () => {
    const entry = vetoed({ symbol: 'MSFT' });
    const written = await bed.store.transaction((tx) => writeJournalEntry(entry, { db: tx, root }));
    expect((await bed.store.query(journalSql.byPath(), [written.path])).rows).toHaveLength(1);
    let rolledBack = '';
    await expect(
      bed.store.transaction(async (tx) => {
        rolledBack = (await writeJournalEntry(entry, { db: tx, root })).path;
        throw new Error('caller failed later in the transaction');
      }),
    ).rejects.toThrow('caller failed');
    expect(rolledBack).toBe('journal/2026-11-21/14-30-05-MSFT-vetoed-2.md');
    expect((await bed.store.query(journalSql.byPath(), [rolledBack])).rows).toHaveLength(0);
  });

  it('a row waits for what it is told to (rowAfter); the file does not, and stays when that fails', async () => {
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => {
      commit = resolve;
    });
    const writing = writeJournalEntry(vetoed({ symbol: 'ORCL' }), {
      db: bed.store,
      root,
      rowAfter: committed,
    });
    const file = path.join(root, 'journal/2026-11-21/14-30-05-ORCL-vetoed.md');
    // The file is placed while the row waits.
    for (let tries = 0; tries < 200 && !(await readFile(file, 'utf8').catch(() => '')); tries += 1)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await readFile(file, 'utf8')).toContain('# ORCL — vetoed');
    expect(
      (await bed.store.query(journalSql.byPath(), ['journal/2026-11-21/14-30-05-ORCL-vetoed.md'])).rows,
    ).toHaveLength(0);
    commit();
    const written = await writing;
    expect((await bed.store.query(journalSql.byPath(), [written.path])).rows).toHaveLength(1);

    const refused = Promise.reject(new Error('the named message was not written'));
    await expect(
      writeJournalEntry(vetoed({ symbol: 'IBM' }), { db: bed.store, root, rowAfter: refused }),
    ).rejects.toThrow('the named message was not written');
    const kept = 'journal/2026-11-21/14-30-05-IBM-vetoed.md';
    expect(await readFile(path.join(root, kept), 'utf8')).toContain('# IBM — vetoed');
    expect((await bed.store.query(journalSql.byPath(), [kept])).rows).toHaveLength(0);
  });

  it('entries written at once share statements; each row names its own file, ids in the order written', async () => {
    const statements: string[] = [];
    const db = {
      query: ((text: string, values?: unknown[]) => {
        statements.push(text);
        return bed.store.query(text, values);
      }) as typeof bed.store.query,
    };
    const symbols = ['GA', 'GB', 'GC', 'GD', 'GE'];
    // Another session holds the table until every file is placed: the first row's insert waits
    // for it, and the rows that arrive meanwhile go in the next statement together.
    const written = await bed.store.transaction(async (tx) => {
      await tx.query('LOCK TABLE agent_journal IN EXCLUSIVE MODE');
      const writes = symbols.map((symbol) => writeJournalEntry(vetoed({ symbol }), { db, root }));
      const placed = async () =>
        (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.md')).length;
      while ((await placed()) < symbols.length) await new Promise((resolve) => setTimeout(resolve, 10));
      return writes;
    });
    await Promise.all(written);
    const inserts = statements.filter((text) => text.includes('INSERT INTO agent_journal'));
    expect(inserts).toHaveLength(2);
    const entries = await Promise.all(written);
    const ids = entries.map((entry) => entry.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const rows = await bed.store.query<{ id: string; symbol: string; path: string }>(
      'SELECT id, symbol, path FROM agent_journal WHERE id = ANY($1::bigint[]) ORDER BY id',
      [ids],
    );
    expect(rows.rows.map((row) => row.symbol)).toEqual(symbols);
    expect(rows.rows.map((row) => row.path)).toEqual(entries.map((entry) => entry.path));
    for (const [index, entry] of entries.entries())
      expect(await readFile(entry.file, 'utf8')).toContain(`symbol: ${symbols[index]}`);
  });

  it('refuses an invalid entry before touching the disk', async () => {
    await expect(
      writeJournalEntry(vetoed({ outcome: 'maybe' as 'vetoed' }), { db: bed.store, root }),
    ).rejects.toThrow(ValidationError);
    await expect(
      writeJournalEntry({ ...vetoed(), colour: 'red' } as JournalEntryInput, { db: bed.store, root }),
    ).rejects.toThrow(/unknown field\(s\) colour/);
    expect(await filesIn(root)).toEqual([]);
  });

  it('reports a write failure without leaving a temp file or a row', async () => {
    await writeFile(path.join(root, 'journal'), 'a file where the folder should be');
    await expect(writeJournalEntry(vetoed({ symbol: 'FAIL' }), { db: bed.store, root })).rejects.toThrow(
      JournalWriteError,
    );
    expect(await filesIn(root)).toEqual(['journal']);
    const rows = await bed.store.query(`SELECT 1 FROM agent_journal WHERE symbol = 'FAIL'`);
    expect(rows.rows).toHaveLength(0);
    // Only that entry failed: once the folder can be made, the next entry is written.
    await rm(path.join(root, 'journal'));
    const next = await writeJournalEntry(vetoed({ symbol: 'NEXT' }), { db: bed.store, root });
    expect(await readFile(next.file, 'utf8')).toMatch(/NEXT/);
  });
});

describe('reading the journal', () => {
  it('lists a day in time order and reads an entry', async () => {
    const later = await writeJournalEntry(
      vetoed({ ts: new Date('2026-11-21T15:00:00Z'), outcome: 'no_trade' }),
      {
        db: bed.store,
        root,
      },
    );
    const earlier = await writeJournalEntry(vetoed(), { db: bed.store, root });
    await writeFile(path.join(path.dirname(earlier.file), '.stray.tmp'), 'x');
    const listed = await listJournal({ root, day: '2026-11-21' });
    expect(listed).toEqual([
      {
        path: earlier.path,
        day: '2026-11-21',
        time: '14:30:05',
        symbol: 'AAPL',
        outcome: 'vetoed',
        sequence: 1,
      },
      expect.objectContaining({ path: later.path, time: '15:00:00', outcome: 'no_trade' }),
    ]);
    expect(await listJournal({ root, day: '2026-11-22' })).toEqual([]);
    const document = await readJournalEntry({ root, path: earlier.path });
    expect(document.meta).toMatchObject({ symbol: 'AAPL', outcome: 'vetoed', cycle_id: 'cycle-42' });
  });

  it('refuses path traversal and anything that is not a journal entry', async () => {
    const written = await writeJournalEntry(vetoed(), { db: bed.store, root });
    await writeFile(path.join(root, 'secret.md'), 'secret');
    const refused = [
      '../secret.md',
      '/etc/passwd',
      'journal/2026-11-21/../../secret.md',
      'journal/../secret.md',
      'journal/2026-11-21/14-30-05-AAPL-vetoed.md/..',
      'journal\\2026-11-21\\14-30-05-AAPL-vetoed.md',
      'journal/2026-11-21/secret.md',
      'journal/2026-13-45/14-30-05-AAPL-vetoed.md',
      'context/journal/2026-11-21/14-30-05-AAPL-vetoed.md',
      `${written.path}\0`,
      '',
    ];
    for (const requested of refused) {
      await expect(readJournalEntry({ root, path: requested }), requested).rejects.toThrow(JournalPathError);
    }
    await expect(listJournal({ root, day: '../..' })).rejects.toThrow(JournalPathError);
    await expect(
      readJournalEntry({ root, path: 'journal/2026-11-21/09-00-00-AAPL-vetoed.md' }),
    ).rejects.toThrow(JournalNotFoundError);
  });

  it('refuses a symbolic link that leads outside the journal', async () => {
    const outside = path.join(root, 'outside.md');
    await writeFile(outside, 'not journal');
    await mkdir(path.join(root, 'journal', '2026-11-20'), { recursive: true });
    await symlink(outside, path.join(root, 'journal', '2026-11-20', '10-00-00-EVIL-vetoed.md'));
    await expect(
      readJournalEntry({ root, path: 'journal/2026-11-20/10-00-00-EVIL-vetoed.md' }),
    ).rejects.toThrow(/leads outside the journal folder/);
  });
});

describe('appendJournalResolution', () => {
  it('appends sections atomically, keeps the entry, and loses no concurrent append', async () => {
    const written = await writeJournalEntry(vetoed({ outcome: 'executed' }), { db: bed.store, root });
    const before = await readFile(written.file, 'utf8');
    await Promise.all([
      appendJournalResolution(
        written.path,
        {
          at: new Date('2026-11-21T18:00:00Z'),
          label: 'exit',
          decidedBy: 'code',
          fields: { exitReason: 'stop', exitFill: 183.5, resultR: -1 },
        },
        { root },
      ),
      appendJournalResolution(
        written.path,
        {
          at: new Date('2026-11-21T18:01:00Z'),
          label: 'reflection',
          text: 'The plan was sound.\n## not a heading',
        },
        { root },
      ),
    ]);
    const after = await readFile(written.file, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after).toContain(
      '## Resolution: exit (2026-11-21 18:00:00 UTC)\n\n- **decided_by**: code\n\n- **exitReason**: stop\n- **exitFill**: 183.5\n- **resultR**: -1',
    );
    expect(after).toContain(
      '## Resolution: reflection (2026-11-21 18:01:00 UTC)\n\n> The plan was sound.\n> ## not a heading',
    );
    expect(await filesIn(path.dirname(written.file))).toEqual([path.basename(written.file)]);
  });

  it('refuses to append outside the journal', async () => {
    await writeFile(path.join(root, 'philosophy.md'), 'keep');
    await expect(
      appendJournalResolution('../philosophy.md', { at: new Date(), text: 'x' }, { root }),
    ).rejects.toThrow(JournalPathError);
    await expect(readFile(path.join(root, 'philosophy.md'), 'utf8')).resolves.toBe('keep');
  });
});
