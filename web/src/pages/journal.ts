import { ApiError, get } from '../api.ts';
import { h, table } from '../dom.ts';
import { renderMarkdown } from '../markdown.ts';
import type { JournalListing } from '../types.ts';

export async function journalEntryView(path: string): Promise<HTMLElement> {
  const entry = await get<{ path: string; text: string }>(`/journal/entry?path=${encodeURIComponent(path)}`);
  const body = h('article', { class: 'markdown', 'data-testid': 'journal-entry' });
  // renderMarkdown escapes every character of the file before it adds markup.
  body.innerHTML = renderMarkdown(entry.text);
  return h('div', {}, h('p', { class: 'muted' }, entry.path), body);
}

export async function journalPage(params: URLSearchParams): Promise<HTMLElement> {
  const { days } = await get<{ days: string[] }>('/journal/days');
  const day = params.get('day') ?? days[0];
  const query = params.get('q') ?? '';
  const section = h('section', { 'data-page': 'journal' }, h('h1', {}, 'Journal'));
  if (!day) {
    section.append(h('p', { class: 'muted' }, 'The journal is empty: no decision has been recorded yet.'));
    return section;
  }
  const search = h('input', { type: 'search', name: 'q', placeholder: 'search this day…', value: query });
  const select = h(
    'select',
    { name: 'day' },
    ...days.map((each) => h('option', { value: each, selected: each === day }, each)),
  );
  const form = h(
    'form',
    {
      class: 'toolbar',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const next = new URLSearchParams({ day: select.value });
        if (search.value.trim()) next.set('q', search.value.trim());
        location.hash = `#/journal?${next.toString()}`;
      },
    },
    select,
    search,
    h('button', { type: 'submit' }, 'Show'),
  );
  select.addEventListener('change', () => form.requestSubmit());
  const list = new URLSearchParams({ day });
  if (query) list.set('q', query);
  const { entries } = await get<{ entries: JournalListing[] }>(`/journal?${list.toString()}`);
  section.append(
    form,
    table(
      ['Time (UTC)', 'Symbol', 'Outcome', 'Entry'],
      entries.map((entry) => [
        entry.time,
        entry.symbol,
        h('span', { class: `tag ${entry.outcome}` }, entry.outcome),
        h(
          'a',
          { href: `#/journal/${encodeURIComponent(entry.path)}`, class: 'journal-link' },
          entry.path.split('/').at(-1) ?? entry.path,
        ),
      ]),
      query ? `no entry of ${day} contains "${query}"` : `no entries on ${day}`,
    ),
  );
  const commands = await operatorLogLink(day);
  if (commands) section.append(commands);
  return section;
}

/** The day's chat commands (`journal/<day>/operator.md`, one line each), linked when the day has any. */
async function operatorLogLink(day: string): Promise<HTMLElement | null> {
  const path = `journal/${day}/operator.md`;
  try {
    await get(`/journal/entry?path=${encodeURIComponent(path)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
  return h(
    'p',
    {},
    h(
      'a',
      { href: `#/journal/${encodeURIComponent(path)}`, class: 'operator-log-link' },
      `Chat commands of ${day}`,
    ),
    h('span', { class: 'muted' }, ' (every Telegram command, answered or ignored, one line each)'),
  );
}

export async function journalEntryPage(path: string): Promise<HTMLElement> {
  return h(
    'section',
    { 'data-page': 'journal-entry' },
    h('p', {}, h('a', { href: '#/journal' }, '← journal')),
    await journalEntryView(path),
  );
}
