import { ApiError, post } from './api.ts';
import { h } from './dom.ts';

/**
 * Raise the halt from the console (levels 1–3; level 4, flatten and lock, belongs to the
 * watchdog and the CLI). The banner on every page shows it within its refresh; resuming is
 * the banner's Resume… (token and acknowledgement, after the halt's journal entry).
 */
export function haltControl(): HTMLElement {
  const level = h(
    'select',
    { name: 'halt-level' },
    h('option', { value: '1' }, '1 · warn'),
    h('option', { value: '2', selected: true }, '2 · no new entries'),
    h('option', { value: '3' }, '3 · reduce only'),
  );
  const reason = h('input', {
    name: 'halt-reason',
    placeholder: 'why (the next operator reads this)',
    required: true,
    minlength: 3,
    size: 40,
  });
  const message = h('span', { class: 'muted', role: 'status' });
  return h(
    'form',
    {
      class: 'halt-control toolbar',
      'data-testid': 'halt-control',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        message.textContent = '';
        try {
          const answer = await post<{ raised: boolean; state: { level: number } }>('/halt', {
            level: Number(level.value),
            reason: reason.value,
          });
          message.textContent = answer.raised
            ? `Halt raised to level ${answer.state.level}.`
            : `Level ${answer.state.level} already in force; nothing changed.`;
          reason.value = '';
        } catch (error) {
          message.textContent = error instanceof ApiError ? error.message : String(error);
        }
      },
    },
    h('strong', {}, 'Halt: '),
    level,
    reason,
    h('button', { type: 'submit', class: 'danger' }, 'Raise halt'),
    message,
  );
}
