import { get, streamEvents } from '../api.ts';
import { h, time } from '../dom.ts';
import type { MessageView } from '../types.ts';

function row(message: MessageView, streamed = false): HTMLElement {
  return h(
    'li',
    { class: streamed ? 'live-message streamed' : 'live-message', 'data-topic': message.topic },
    h('span', { class: 'muted' }, `#${message.id} ${time(message.ts)} `),
    h('strong', {}, message.topic),
    ` ${message.fromAgent} → ${message.toAgent} `,
    message.cycleId
      ? h('a', { href: `#/decisions/${encodeURIComponent(message.cycleId)}` }, message.cycleId)
      : null,
  );
}

/** The newest messages, then every new one as it is published (server-sent events, no reload). */
export async function livePage(register: (stop: () => void) => void): Promise<HTMLElement> {
  const { messages } = await get<{ messages: MessageView[] }>('/messages?limit=50');
  const list = h(
    'ol',
    { class: 'live', reversed: true },
    ...messages.reverse().map((message) => row(message)),
  );
  const status = h('span', { class: 'muted', 'data-testid': 'stream-state' }, 'connecting');
  const counter = h('span', { 'data-testid': 'live-count' }, '0');
  let received = 0;
  register(
    streamEvents(
      (data) => {
        received++;
        counter.textContent = String(received);
        list.prepend(row(data as MessageView, true));
        while (list.children.length > 300) list.lastElementChild?.remove();
      },
      (state) => {
        status.textContent = state;
      },
    ),
  );
  return h(
    'section',
    { 'data-page': 'live' },
    h('h1', {}, 'Live'),
    h('p', {}, 'Stream: ', status, ' · new messages since opened: ', counter),
    list,
  );
}
