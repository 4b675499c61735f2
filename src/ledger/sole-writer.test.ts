import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const sourceRoot = join(import.meta.dirname, '..');
/** A statement that writes one of the ledger's tables, however it is spelled or wrapped. */
const ledgerWrite = /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(orders|fills|positions)\b/i;
/** The ledger itself, and migrations (which may shape the tables). */
const allowed = (path: string) => path.startsWith('ledger/') || path.startsWith('store/migrations/');

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the ledger is the only writer of orders, fills and positions', () => {
  it('no file under src/ outside src/ledger (and migrations) writes them', () => {
    const writers = filesUnder(sourceRoot)
      .map((path) => relative(sourceRoot, path).split('\\').join('/'))
      .filter((path) => !allowed(path))
      .flatMap((path) =>
        readFileSync(join(sourceRoot, path), 'utf8')
          .split('\n')
          .flatMap((line, index) => (ledgerWrite.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
      );
    expect(writers).toEqual([]);
  });

  it('would see a write spelled as the other modules used to', () => {
    expect(ledgerWrite.test('`INSERT INTO orders (client_order_id) VALUES ($1)`')).toBe(true);
    expect(ledgerWrite.test("'DELETE FROM positions WHERE broker = $1'")).toBe(true);
    expect(ledgerWrite.test('update fills set client_order_id = $1')).toBe(true);
    expect(ledgerWrite.test('SELECT * FROM orders')).toBe(false);
  });
});
