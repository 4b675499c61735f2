import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fallbackProposal } from '../agents/index.ts';
import { loadConfig } from '../config/index.ts';
import { parseCsvBars, sliceSeries } from '../market/index.ts';
import { cycleSettingsFrom, fallbackStrategyFrom } from './cycle-settings.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const orclFile = path.resolve(repoRoot, 'data/orcl-1995-2014.txt');
const orcl = parseCsvBars(readFileSync(orclFile), { source: orclFile, symbol: 'ORCL' }).series;
const bars = sliceSeries(orcl, Date.UTC(2010, 0, 1), Date.UTC(2014, 11, 31));

/** Every trade the Strategist's fallback would propose, flat, on each bar of ORCL 2010–2014. */
function fallbackTrades(allowShort: boolean) {
  const config = loadConfig({
    env: {},
    file: '/dev/null',
    overrides: { strategist: { allowShort } } as never,
  });
  const settings = cycleSettingsFrom(config, { timeframe: '1d', commissionRate: 0, priceTick: () => 0.01 });
  const fallbackStrategy = fallbackStrategyFrom(config);
  const trades = [];
  for (let index = 40; index < bars.time.length; index++) {
    const answer = fallbackProposal({
      series: sliceSeries(bars, undefined, bars.time[index]!),
      index,
      timeframe: '1d',
      cycleId: `test/${index}`,
      stance: { regime: 'ranging', bias: 'neutral', riskMultiplier: 1, rationale: 'test', decidedBy: 'code' },
      position: null,
      rules: settings.rules,
      fallbackStrategy,
    });
    if (answer.decision === 'trade') trades.push(answer);
  }
  return trades;
}

describe('the Strategist fallback and strategist.allowShort (issue 21)', () => {
  it('proposes death-cross shorts on the real ORCL bars only when shorts are allowed, stop above and target below', () => {
    const longOnly = fallbackTrades(false);
    expect(longOnly.length).toBeGreaterThan(0);
    expect(longOnly.every((trade) => trade.side === 'buy')).toBe(true);

    const both = fallbackTrades(true);
    const shorts = both.filter((trade) => trade.side === 'sell');
    expect(shorts.length).toBeGreaterThan(0);
    for (const short of shorts) {
      expect(short.stopPrice).toBeGreaterThan(short.entryPrice!);
      expect(short.targetPrice).toBeLessThan(short.entryPrice!);
    }
    // The long entries are the same golden crosses either way.
    expect(both.filter((trade) => trade.side === 'buy').map((trade) => trade.rationale)).toEqual(
      longOnly.map((trade) => trade.rationale),
    );
  });
});
