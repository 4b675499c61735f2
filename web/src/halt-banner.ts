import { ApiError, get, post } from './api.ts';
import { h, time } from './dom.ts';
import { journalEntryView } from './pages/journal.ts';
import type { StateView } from './types.ts';

/**
 * The halt banner on every page, refreshed every few seconds. Resume shows the halt (and its
 * journal entry when it has one) first, then asks for the token again and a written acknowledgement.
 */
export function haltBanner(container: HTMLElement): { refresh(): Promise<void> } {
  let shownKey = '';
  let resumeOpen = false;

  const resumeForm = async (state: StateView): Promise<HTMLElement> => {
    const halt = state.halt;
    const tokenInput = h('input', {
      type: 'password',
      name: 'token',
      autocomplete: 'off',
      placeholder: 'operator token',
      required: true,
    });
    const ack = h('textarea', {
      name: 'acknowledgement',
      rows: 3,
      placeholder: 'What did you check? e.g. positions at the broker match, stops attached, cause fixed',
      required: true,
    });
    const message = h('p', { class: 'error', role: 'alert' });
    const form = h(
      'form',
      {
        class: 'resume-form',
        onsubmit: async (event: Event) => {
          event.preventDefault();
          message.textContent = '';
          try {
            await post('/resume', {
              token: tokenInput.value,
              acknowledgement: ack.value,
              // The level this form was opened on: the brain refuses (409) if it changed since.
              fromLevel: halt.level,
            });
            resumeOpen = false;
            await refresh();
          } catch (error) {
            message.textContent = error instanceof ApiError ? error.message : String(error);
          }
        },
      },
      h('label', {}, 'Operator token ', tokenInput),
      h('label', {}, 'Acknowledgement ', ack),
      h('button', { type: 'submit', class: 'danger' }, 'Resume trading'),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            resumeOpen = false;
            shownKey = '';
            void refresh();
          },
        },
        'Cancel',
      ),
      message,
    );
    let entry: HTMLElement = h(
      'p',
      { class: 'muted' },
      'This halt has no journal entry; its reason is above.',
    );
    if (halt.journalPath) {
      try {
        entry = await journalEntryView(halt.journalPath);
      } catch (error) {
        entry = h('p', { class: 'error' }, `journal entry ${halt.journalPath}: ${String(error)}`);
      }
    }
    return h(
      'div',
      { class: 'resume-panel' },
      h('h3', {}, 'Before you resume: the halt'),
      h(
        'p',
        {},
        `Level ${halt.level} (${halt.name}) set by ${halt.setBy ?? '?'} at ${time(halt.setAt)}: ${halt.reason}`,
      ),
      entry,
      form,
    );
  };

  async function refresh(): Promise<void> {
    let state: StateView;
    try {
      state = await get<StateView>('/state');
    } catch {
      return;
    }
    const halt = state.halt;
    const key = `${halt.level}|${halt.reason}|${halt.setAt}|${resumeOpen}`;
    if (key === shownKey) return;
    shownKey = key;
    container.replaceChildren();
    if (halt.readable && halt.level === 0) {
      container.className = 'banner hidden';
      return;
    }
    container.className = `banner level-${halt.level ?? 'unknown'}`;
    container.append(
      h(
        'div',
        { class: 'banner-line', 'data-testid': 'halt-banner' },
        h(
          'strong',
          {},
          halt.readable ? `HALT level ${halt.level} — ${halt.name}` : 'HALT STATE UNREADABLE — no trading',
        ),
        h('span', { class: 'reason' }, ` ${halt.reason}`),
        halt.readable && !resumeOpen
          ? h(
              'button',
              {
                type: 'button',
                onclick: () => {
                  resumeOpen = true;
                  shownKey = '';
                  void refresh();
                },
              },
              'Resume…',
            )
          : null,
      ),
    );
    if (resumeOpen) container.append(await resumeForm(state));
  }

  return { refresh };
}
