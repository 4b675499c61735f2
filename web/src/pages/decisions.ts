import { get } from '../api.ts';
import { h, money, table, time } from '../dom.ts';
import { tradeSide } from '../sides.ts';
import type { CycleView, Explanation } from '../types.ts';
import { chainPanel, shadowIds } from './decision-chain.ts';

export async function decisionsPage(): Promise<HTMLElement> {
  const { cycles } = await get<{ cycles: CycleView[] }>('/cycles?limit=100');
  return h(
    'section',
    { 'data-page': 'decisions' },
    h('h1', {}, 'Decisions'),
    h(
      'p',
      { class: 'muted' },
      'Newest cycle first. Open one to see its chain: every agent message, each signature, the orders.',
    ),
    table(
      ['Cycle', 'Time', 'Messages', 'Outcomes'],
      cycles.map((cycle) => [
        h(
          'a',
          { href: `#/decisions/${encodeURIComponent(cycle.cycleId)}`, class: 'cycle-link' },
          cycle.cycleId,
        ),
        time(cycle.lastTs),
        cycle.messages,
        cycle.outcomes.length === 0
          ? h('span', { class: 'muted' }, cycle.topics.join(', '))
          : cycle.outcomes.map((outcome) =>
              h(
                'span',
                { class: `tag ${outcome.outcome}` },
                `${outcome.symbol ?? ''} ${outcome.outcome} (${outcome.decidedBy})`,
              ),
            ),
      ]),
      'no decision cycles yet',
    ),
  );
}

function signatureList(signatures: Explanation['messages'][number]['signatures']): HTMLElement | null {
  if (!signatures || signatures.length === 0) return null;
  return h(
    'ul',
    { class: 'signatures' },
    ...signatures.map((signature) =>
      h(
        'li',
        {},
        h('span', { class: `tag ${signature.verdict}` }, `${signature.signer}: ${signature.verdict}`),
        ' ',
        (signature.reasons ?? []).join('; '),
      ),
    ),
  );
}

const text = (value: unknown): string =>
  value === null || value === undefined
    ? '—'
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

/** The market-wide agents the cycle ran under: the Macro Officer's view and the CEO's budget. */
function deskPanel(agents: Explanation['agents']): HTMLElement {
  const macro = agents?.macroOfficer ?? null;
  const ceo = agents?.ceo ?? null;
  return h(
    'div',
    { class: 'desk', 'data-testid': 'chain-desk' },
    h('h2', {}, 'Macro Officer and CEO'),
    table(
      ['Agent', 'View', 'Decided by', 'Why'],
      [
        ...(macro
          ? [
              [
                'macro-officer',
                h(
                  'span',
                  { 'data-testid': 'chain-macro' },
                  `${text(macro.stance)} · ${text(macro.regime)}/${text(macro.bias)}${macro.fresh === false ? ' (session view)' : ''}`,
                ),
                text(macro.decidedBy),
                text(macro.rationale),
              ],
            ]
          : []),
        ...(ceo
          ? [
              [
                'ceo',
                h(
                  'span',
                  { 'data-testid': 'chain-ceo' },
                  `${text(ceo.stance)} · cap ${text(ceo.riskMultiplierCap)} · ${text(ceo.newPositionsToday)}/${text(ceo.maxNewPositions)} new positions (${text(ceo.day)})`,
                ),
                text(ceo.decidedBy),
                text(ceo.rationale ?? ceo.closed),
              ],
            ]
          : []),
      ],
      'no Macro Officer or CEO message in this cycle',
    ),
  );
}

export async function chainPage(id: string): Promise<HTMLElement> {
  const chain = await get<Explanation>(`/explain/${encodeURIComponent(id)}`);
  const shadows = shadowIds(chain.chain);
  return h(
    'section',
    { 'data-page': 'chain' },
    h('p', {}, h('a', { href: '#/decisions' }, '← all decisions')),
    h('h1', {}, `Cycle ${chain.cycleId}`),
    chain.orderId ? h('p', {}, `asked for order ${chain.orderId}`) : null,
    typeof chain.messageId === 'number' ? h('p', {}, `asked for message #${chain.messageId}`) : null,
    deskPanel(chain.agents),
    chainPanel(chain.chain),
    h('h2', {}, 'Chain of messages'),
    h(
      'ol',
      { class: 'chain' },
      ...chain.messages.map((message) =>
        h(
          'li',
          {
            class: `message${shadows.has(message.id) ? ' shadow' : ''}${message.id === chain.messageId ? ' asked' : ''}`,
            'data-topic': message.topic,
          },
          h(
            'div',
            { class: 'message-head' },
            shadows.has(message.id) ? h('span', { class: 'badge shadow' }, 'shadow') : null,
            shadows.has(message.id) ? ' ' : null,
            h('strong', {}, message.topic),
            ` ${message.fromAgent} → ${message.toAgent}`,
            h(
              'span',
              { class: 'muted' },
              ` #${message.id} ${time(message.ts)}${message.causationId ? ` (after #${message.causationId})` : ''}`,
            ),
          ),
          signatureList(message.signatures),
          h(
            'details',
            {},
            h('summary', {}, 'payload'),
            h('pre', {}, JSON.stringify(message.payload, null, 2)),
          ),
        ),
      ),
    ),
    h('h2', {}, 'Orders'),
    table(
      ['Order', 'Leg', 'Side', 'Type', 'Qty', 'Stop', 'Limit', 'Status', 'Fills'],
      chain.orders.map((order) => [
        order.clientOrderId,
        order.leg,
        tradeSide(order.leg, order.side).startsWith('short')
          ? h('span', { class: 'badge short' }, `${order.side} · ${tradeSide(order.leg, order.side)}`)
          : order.side,
        order.type,
        order.qty,
        money(order.stopPrice),
        money(order.limitPrice),
        order.rejectReason ? `${order.status}: ${order.rejectReason}` : order.status,
        order.fills.map((fill) => `${fill.qty} @ ${money(fill.price)}`).join(', '),
      ]),
      'no orders in this cycle',
    ),
    h('h2', {}, 'Journal'),
    table(
      ['Time', 'Symbol', 'Agent', 'Outcome', 'Decided by', 'Entry'],
      chain.journal.map((entry) => [
        time(entry.ts),
        entry.symbol ?? '',
        entry.agent,
        entry.outcome,
        entry.decidedBy,
        h('a', { href: `#/journal/${encodeURIComponent(entry.path)}` }, entry.path),
      ]),
      'no journal entries for this cycle',
    ),
  );
}
