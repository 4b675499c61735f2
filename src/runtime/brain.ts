import { Bus } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { startHeartbeat } from './heartbeat.ts';

export interface Brain {
  store: Store;
  bus: Bus;
  /** Stops everything this brain started. Safe to call twice. */
  stop(): Promise<void>;
}

const brainHeartbeatMs = 5_000;

/** Wires the brain's parts: database (embedded or DATABASE_URL), bus, heartbeat. */
export async function startBrain(config: Config, logger: Logger): Promise<Brain> {
  const store = await openStore({ config, logger, applicationName: 'signet-brain' });
  const bus = new Bus({ store, logger, settings: config.bus });
  const heartbeat = startHeartbeat(store, logger, 'brain', 'process', brainHeartbeatMs);
  await bus.publish({
    fromAgent: 'brain',
    toAgent: 'operator',
    topic: 'system.started',
    payload: { pid: process.pid, dataPath: config.dataPath, config: config.source ?? null },
  });
  let stopped = false;
  return {
    store,
    bus,
    async stop() {
      if (stopped) return;
      stopped = true;
      heartbeat.stop();
      await bus
        .publish({
          fromAgent: 'brain',
          toAgent: 'operator',
          topic: 'system.stopped',
          payload: { pid: process.pid },
        })
        .catch(() => {});
      await bus.stop();
      await store.close();
    },
  };
}
