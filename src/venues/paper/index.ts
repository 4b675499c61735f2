import { SignetError } from '../../errors/index.ts';
import { barAt, paperPriceTick, simFeed } from '../../market/index.ts';
import type { DoctorCheck } from '../doctor-check.ts';
import type { VenueAdapter } from '../venue-adapter.ts';
import { paperVenueConfig } from './config-section.ts';

const notInMarketMode = () =>
  new SignetError('market mode needs a real broker, not paper', {
    code: 'runtime_unsupported',
    fault: 'user',
    fix: 'Set broker.kind to a real venue (or schedule.mode: sim for the paper broker).',
  });

const doctorChecks: readonly DoctorCheck[] = [
  {
    name: 'broker',
    run: async () => ({ status: 'ok', detail: 'paper broker (simulated fills, no network)' }),
  },
  { name: 'feed', run: async () => ({ status: 'skip', detail: 'no network feed for the paper broker' }) },
];

/**
 * The paper broker: simulated fills on the seeded sim feed, inside the brain's sim session
 * (which builds and journals its broker itself, src/runtime/sim-session.ts). It has no market
 * mode, no network and no watchdog connection: the brain flattens itself at level 4.
 */
export const paperVenue: VenueAdapter = {
  kind: 'paper',
  config: paperVenueConfig,
  capabilities: {
    shorting: true,
    fractionalQuantities: false,
    stopsHeldOnPosition: false,
    nativeBrackets: true,
  },
  priceTick: paperPriceTick,
  market: false,
  label: () => 'paper',
  runIdPrefix: () => 'sim',
  symbols: (config) => config.feed.sim.symbols,
  timeframe: () => '1Day',
  cycles: (config) => ({ kind: 'cron', cron: config.schedule.cycleCron }),
  checkMarket() {
    throw notInMarketMode();
  },
  openBroker: async () => {
    throw notInMarketMode();
  },
  openFeed: (config, options) => {
    const feed = simFeed({
      seed: config.feed.sim.seed,
      bars: config.feed.sim.bars,
      start: config.feed.sim.start,
      symbols: options.symbols ?? config.feed.sim.symbols,
    });
    return {
      ...feed,
      async latest() {
        const { series } = await feed.load();
        return series.flatMap((each) => (each.length > 0 ? [barAt(each, each.length - 1)] : []));
      },
    };
  },
  watchdogBroker: () => undefined,
  doctorChecks,
  describe: (config, brain) => ({
    market: `sim feed (seed ${config.feed.sim.seed}: ${brain.symbols.join(', ')}), one bar every ${config.schedule.barIntervalMs} ms`,
    broker: `paper, cash ${money(config.paper.cash)}, commission ${config.paper.commission}`,
  }),
};

function money(value: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
