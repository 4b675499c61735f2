import type { Logger } from '../logging/index.ts';
import type { EmbeddedServer } from './embedded.ts';
import { StoreUnavailableError } from './errors.ts';

export type EmbeddedEvent =
  | { kind: 'died'; at: number }
  | { kind: 'restarted'; downForMs: number }
  | { kind: 'unrecoverable'; downForMs: number; error: StoreUnavailableError };

export interface EmbeddedSupervisor {
  stop(): void;
}

/**
 * Watches the embedded server this process started: when its postmaster dies, it is started
 * again on the same folder and port (PostgreSQL's crash recovery replays the WAL), and the
 * caller hears of the death, the restart and its length, or that the folder cannot be recovered.
 * One check every `checkMs`; a restart in progress is never doubled.
 */
export function superviseEmbedded(
  server: EmbeddedServer,
  options: { logger: Logger; checkMs?: number; onEvent(event: EmbeddedEvent): void },
): EmbeddedSupervisor {
  let stopped = false;
  let busy = false;
  let gaveUp = false;
  const check = async () => {
    if (stopped || busy || gaveUp || server.alive()) return;
    busy = true;
    const diedAt = Date.now();
    options.logger.error(
      { dir: server.dir, port: server.port },
      'the embedded PostgreSQL died; restarting it',
    );
    options.onEvent({ kind: 'died', at: diedAt });
    try {
      await server.restart();
      if (!stopped) {
        const downForMs = Date.now() - diedAt;
        options.logger.warn({ downForMs }, 'the embedded PostgreSQL is running again (crash recovery done)');
        options.onEvent({ kind: 'restarted', downForMs });
      }
    } catch (error) {
      gaveUp = true;
      const failure =
        error instanceof StoreUnavailableError
          ? error
          : new StoreUnavailableError(`the embedded PostgreSQL could not be restarted: ${String(error)}`, {
              maskedUrl: '(embedded)',
              cause: error,
              fix: `Read the server's log next to ${server.dir}; move ${server.dir} aside and start again, or set DATABASE_URL.`,
            });
      if (!stopped)
        options.onEvent({ kind: 'unrecoverable', downForMs: Date.now() - diedAt, error: failure });
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), options.checkMs ?? 500);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
