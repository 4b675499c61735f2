import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCsvBars } from './csv.ts';
import { csvRowSchema } from './csv-row.ts';
import { MarketDataError } from './errors.ts';
import { generateSimSeries, simFeed } from './sim.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const data = (name: string) => path.resolve(repoRoot, 'data', name);
const header = 'Date,Open,High,Low,Close,Adj Close,Volume';
const good = '2020-01-02,10,11,9,10.5,10.5,100';

function parse(rows: string[], options: { skipBadRows?: boolean; adjusted?: boolean } = {}) {
  return parseCsvBars(`${[header, ...rows].join('\n')}\n`, { source: 'x.csv', symbol: 'X', ...options });
}

function errorOf(rows: string[]): MarketDataError {
  try {
    parse(rows);
  } catch (error) {
    if (error instanceof MarketDataError) return error;
    throw error;
  }
  throw new Error('expected a MarketDataError');
}

describe('csv feed', () => {
  it('reads the Yahoo layout (ORCL) exactly, raw prices by default', () => {
    const { series } = parseCsvBars(readFileSync(data('orcl-1995-2014.txt'), 'utf8'), {
      source: 'orcl',
      symbol: 'ORCL',
    });
    expect(series.length).toBe(5036);
    // First row: 1995-01-03,2.179012,2.191358,2.117284,2.117284,1.883304,36301200
    expect([
      series.time[0],
      series.open[0],
      series.high[0],
      series.low[0],
      series.close[0],
      series.volume[0],
    ]).toEqual([Date.UTC(1995, 0, 3), 2.179012, 2.191358, 2.117284, 2.117284, 36301200]);
    expect(series.time[5035]).toBe(Date.UTC(2014, 11, 31));
  });

  it('scales O/H/L by AdjClose/Close when adjusted prices are asked for', () => {
    const { series } = parseCsvBars(readFileSync(data('orcl-1995-2014.txt'), 'utf8'), {
      source: 'orcl',
      symbol: 'ORCL',
      adjusted: true,
    });
    const factor = 1.883304 / 2.117284;
    expect(series.close[0]).toBe(1.883304);
    expect(series.open[0]).toBeCloseTo(2.179012 * factor, 12);
    expect(series.high[0]).toBeCloseTo(2.191358 * factor, 12);
    expect(series.low[0]).toBeCloseTo(2.117284 * factor, 12);
  });

  it('reads the generic layout with OpenInterest', () => {
    const { series } = parseCsvBars(readFileSync(data('2006-day-001.txt'), 'utf8'), {
      source: 'day',
      symbol: 'IDX',
    });
    expect(series.length).toBe(255);
    // 2006-01-02,3578.73,3605.95,3578.73,3604.33,0,0
    expect([series.open[0], series.high[0], series.low[0], series.close[0]]).toEqual([
      3578.73, 3605.95, 3578.73, 3604.33,
    ]);
  });

  it.each([
    [['2020-01-02,10,9,11,10,10,100'], 2, 'High', 'High 9 is below Low 11'],
    [['2020-01-02,ten,11,9,10,10,100'], 2, 'Open', 'Open is not a number (value "ten")'],
    [['2020-01-02,10,11,9,NaN,10,100'], 2, 'Close', 'Close is not a number'],
    [['2020-01-02,10,11,9,,10,100'], 2, 'Close', 'Close is empty'],
    [['2020-01-02,-10,11,9,10,10,100'], 2, 'Open', 'Open must be positive'],
    [['2020-01-02,10,11,9,10,10,-5'], 2, 'Volume', 'Volume is negative'],
    [['2020-01-02,12,11,9,10,10,100'], 2, 'Open', 'outside [Low, High]'],
    [['2020-02-30,10,11,9,10,10,100'], 2, 'Date', 'not a valid YYYY-MM-DD date'],
    [[good, good], 3, 'Date', 'duplicate date 2020-01-02'],
    [['2020-01-03,10,11,9,10,10,100', good], 3, 'Date', 'date 2020-01-02 is before the row above it'],
    [[good, '2020-01-03,10,11,9,10'], 3, '(row)', 'has 5 field(s), the header has 7'],
  ])('rejects a bad row %#, naming file, line and field', (rows, line, field, message) => {
    const error = errorOf(rows);
    expect(error.message).toContain(`x.csv:${line}: field "${field}"`);
    expect(error.message).toContain(message);
    expect([error.source, error.line, error.field]).toEqual(['x.csv', line, field]);
  });

  it('names a missing header column', () => {
    expect(() => parseCsvBars('Date,Open,High,Close\n', { source: 'h.csv', symbol: 'H' })).toThrow(
      'h.csv:1: header has no "Low" column',
    );
  });

  it('skips and reports bad rows when asked', () => {
    const { series, skipped } = parse(
      [
        good,
        '2020-01-03,10,9,11,10,10,100',
        '2020-01-02,10,11,9,10,10,100',
        '2020-01-06,10,11,9,10.25,10.25,100',
      ],
      { skipBadRows: true },
    );
    expect(series.length).toBe(2);
    expect(Array.from(series.close)).toEqual([10.5, 10.25]);
    expect(skipped.map((row) => [row.line, row.field])).toEqual([
      [3, 'High'],
      [4, 'Date'],
    ]);
  });

  it('the fast path and the zod row schema agree on what is valid', () => {
    const cells = ['10', '0', '-1', 'x', '', ' 10', '1e1', '9.5', '11', 'Infinity'];
    for (const open of cells)
      for (const high of cells.slice(0, 6))
        for (const volume of ['0', '-1', 'x', '5']) {
          const row = { date: '2020-01-02', open, high, low: '9', close: '10', adjClose: '10', volume };
          const schemaOk = csvRowSchema.safeParse(row).success;
          let fastOk = true;
          try {
            parse([`2020-01-02,${open},${high},9,10,10,${volume}`]);
          } catch {
            fastOk = false;
          }
          expect([open, high, volume, fastOk]).toEqual([open, high, volume, schemaOk]);
        }
  });
});

describe('sim feed', () => {
  it('is reproducible from its seed and differs between seeds', async () => {
    const a = await simFeed({ seed: 42, symbols: ['A', 'B'], bars: 500 }).load();
    const b = await simFeed({ seed: 42, symbols: ['A', 'B'], bars: 500 }).load();
    const c = await simFeed({ seed: 43, symbols: ['A', 'B'], bars: 500 }).load();
    expect(Array.from(a.series[0]!.close)).toEqual(Array.from(b.series[0]!.close));
    expect(Array.from(a.series[1]!.open)).toEqual(Array.from(b.series[1]!.open));
    expect(Array.from(a.series[0]!.close)).not.toEqual(Array.from(c.series[0]!.close));
    expect(Array.from(a.series[0]!.close)).not.toEqual(Array.from(a.series[1]!.close));
  });

  it('walks through every regime, has gaps, and keeps bars consistent on weekdays', () => {
    const series = generateSimSeries({ seed: 7, bars: 2_000 }, 'SIM');
    expect(new Set(series.regimes)).toEqual(new Set(['trending', 'ranging', 'volatile']));
    let gaps = 0;
    for (let at = 0; at < series.length; at += 1) {
      const [open, high, low, close] = [
        series.open[at]!,
        series.high[at]!,
        series.low[at]!,
        series.close[at]!,
      ];
      expect(low).toBeGreaterThan(0);
      expect(low).toBeLessThanOrEqual(Math.min(open, close));
      expect(high).toBeGreaterThanOrEqual(Math.max(open, close));
      expect([0, 6]).not.toContain(new Date(series.time[at]!).getUTCDay());
      if (at > 0 && (open > series.high[at - 1]! || open < series.low[at - 1]!)) gaps += 1;
    }
    expect(gaps).toBeGreaterThan(20);
  });
});
