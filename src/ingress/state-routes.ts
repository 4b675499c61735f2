import type { OperatorService } from '../operator/index.ts';
import { haltLevelNames } from '../watchdog/index.ts';
import type { RouteTable } from './validation.ts';

/** GET /state: the halt, the account snapshot and every heartbeat, from `OperatorService.status`. */
export function registerStateRoutes(table: RouteTable, operator: OperatorService): void {
  table.add(
    {
      method: 'GET',
      url: '/state',
      summary: 'Halt level and reason, account snapshot, heartbeats with ages',
    },
    async () => {
      const status = await operator.status();
      return {
        now: status.now,
        // Fail closed: an unreadable halt flag means no trading, and the console says so.
        halt: status.halt
          ? { ...status.halt, name: haltLevelNames[status.halt.level] ?? 'unknown', readable: true }
          : { level: null, name: 'unreadable', reason: status.haltError, readable: false },
        account: status.accountFields,
        heartbeats: status.heartbeats,
      };
    },
  );
}
