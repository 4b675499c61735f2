import { Bus } from '../bus/index.ts';
import { OperatorService } from '../operator/index.ts';
import type { CliContext } from './context.ts';

/**
 * The operator service over the command's database, for the commands that read or act as the
 * operator (status, halt, resume, explain). Its bus only reads and publishes inside
 * transactions, and stops when the command ends.
 */
export async function operatorService(context: CliContext): Promise<OperatorService> {
  const store = await context.store();
  const logger = context.logger();
  const bus = new Bus({ store, logger });
  context.onClose(() => bus.stop());
  return new OperatorService({ store, bus, config: context.config(), logger });
}
