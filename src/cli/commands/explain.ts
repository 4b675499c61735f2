import type { Command } from 'commander';
import { messageToJson } from '../../bus/index.ts';
import type { CliContext } from '../context.ts';
import { oneLine } from '../format.ts';
import { operatorService } from '../operator.ts';
import { chainLines } from './explain-text.ts';

export function registerExplainCommand(program: Command, context: CliContext): void {
  program
    .command('explain <id>')
    .description(
      'the whole chain behind an order, a cycle or a message (#id): the Macro Officer and the CEO, every agent message, every signature, the challengers in shadow beside the proposal, the order and its fills',
    )
    .option('--json', 'machine-readable output')
    .action(async (id: string, options: { json?: boolean }) => {
      const operator = await operatorService(context);
      const found = await operator.explain(id);
      if (!found) {
        const error = new Error(
          `no order, cycle or message "${id}": give a client order id, a cycle id or a message id of a cycle (see \`signet bus tail\`)`,
        );
        Object.assign(error, { exitCode: 2 });
        throw error;
      }
      if (options.json) {
        context.json({
          ...found,
          messages: found.messages.map(messageToJson),
          agents: {
            ...found.agents,
            ceoDirective: found.agents.ceoDirective ? messageToJson(found.agents.ceoDirective) : null,
          },
        });
        return;
      }
      context.out(
        `cycle ${found.cycleId}${found.orderId ? ` (order ${found.orderId})` : ''}${found.messageId !== null ? ` (message #${found.messageId})` : ''}`,
      );
      const { macroOfficer, ceo } = found.agents;
      context.out(
        `macro officer: ${macroOfficer ? `${macroOfficer.stance ?? 'failed'} (${macroOfficer.regime ?? '?'}/${macroOfficer.bias ?? '?'}) by ${macroOfficer.decidedBy ?? 'code'} — ${macroOfficer.rationale ?? ''}` : 'none'}`,
      );
      context.out(
        `ceo: ${ceo ? `${ceo.stance} day ${ceo.day}: risk multiplier cap ${ceo.riskMultiplierCap}, ${ceo.newPositionsToday}/${ceo.maxNewPositions} new positions, by ${ceo.decidedBy ?? 'code'} (directive #${ceo.directiveId ?? 'none'})` : 'none'}`,
      );
      context.out('');
      for (const line of chainLines(found.chain)) context.out(line);
      const shadows = new Set(
        found.chain.candidates.flatMap((candidate) => candidate.shadows.map((shadow) => shadow.messageId)),
      );
      context.out('\nmessages:');
      for (const message of found.messages) {
        context.out(
          `  ${shadows.has(message.id) ? '[shadow] ' : ''}#${message.id} ${message.ts.toISOString()} ${message.topic} ${message.fromAgent}→${message.toAgent}${message.causationId ? ` (re #${message.causationId})` : ''}`,
        );
        for (const signature of message.signatures) {
          context.out(
            `      ${signature.signer}: ${signature.verdict.toUpperCase()} by ${signature.decidedBy} — ${signature.reasons.join('; ')}`,
          );
        }
        context.out(`      ${oneLine(message.payload, 400)}`);
      }
      context.out('\norders:');
      if (found.orders.length === 0) context.out('  none');
      for (const order of found.orders) {
        const price = order.stopPrice ?? order.limitPrice;
        context.out(
          `  ${order.clientOrderId} ${order.leg} ${order.side} ${order.qty} ${order.symbol} ${order.type}${price ? ` @ ${price}` : ''} → ${order.status}${order.rejectReason ? ` (${order.rejectReason})` : ''}`,
        );
        for (const fill of order.fills)
          context.out(
            `      filled ${fill.qty} @ ${fill.price} (commission ${fill.commission}) at ${fill.ts}`,
          );
      }
      context.out('\njournal:');
      if (found.journal.length === 0) context.out('  none');
      for (const entry of found.journal)
        context.out(`  ${entry.path} (${entry.outcome}, ${entry.agent}, decided by ${entry.decidedBy})`);
    });
}
