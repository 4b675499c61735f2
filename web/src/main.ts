import './style.css';
import { ApiError, session, tryToken, Unauthorized, whenUnauthorized } from './api.ts';
import { h } from './dom.ts';
import { haltBanner } from './halt-banner.ts';
import { chartsPage } from './pages/charts.ts';
import { costsPage } from './pages/costs.ts';
import { chainPage, decisionsPage } from './pages/decisions.ts';
import { journalEntryPage, journalPage } from './pages/journal.ts';
import { livePage } from './pages/live.ts';
import { overviewPage } from './pages/overview.ts';
import { reportsPage } from './pages/reports.ts';

const pages = [
  ['overview', 'Overview'],
  ['decisions', 'Decisions'],
  ['journal', 'Journal'],
  ['costs', 'Costs'],
  ['charts', 'Charts'],
  ['live', 'Live'],
  ['reports', 'Reports'],
] as const;

const root = document.getElementById('app') as HTMLElement;
const bannerBox = h('div', { class: 'banner hidden', id: 'halt' });
const main = h('main', {});
const nav = h(
  'nav',
  {},
  h('span', { class: 'brand' }, 'Signet'),
  ...pages.map(([id, label]) => h('a', { href: `#/${id}`, 'data-nav': id }, label)),
  h(
    'button',
    {
      type: 'button',
      class: 'link',
      onclick: () => {
        session.forget();
        showLogin();
      },
    },
    'Sign out',
  ),
);
const banner = haltBanner(bannerBox);
let stopPage: (() => void) | undefined;
let timer: number | undefined;

function showLogin(reason = ''): void {
  stopPage?.();
  if (timer) clearInterval(timer);
  const input = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    placeholder: 'SIGNET_OPERATOR_TOKEN',
    required: true,
  });
  const message = h('p', { class: 'error', role: 'alert' }, reason);
  root.replaceChildren(
    h(
      'form',
      {
        class: 'login',
        onsubmit: async (event: Event) => {
          event.preventDefault();
          if (await tryToken(input.value.trim())) {
            session.save(input.value.trim());
            start();
          } else message.textContent = 'That token was refused.';
        },
      },
      h('h1', {}, 'Signet console'),
      h('p', {}, 'Enter the operator token. It is kept in this tab only (sessionStorage).'),
      input,
      h('button', { type: 'submit' }, 'Open'),
      message,
    ),
  );
  input.focus();
}

let renders = 0;

async function render(): Promise<void> {
  // A slow page that finishes after the operator navigated on must not replace the newer one.
  const generation = ++renders;
  stopPage?.();
  stopPage = undefined;
  const hash = location.hash.replace(/^#\/?/, '') || 'overview';
  const [pathPart, queryPart] = hash.split('?');
  const [page, ...rest] = (pathPart ?? '').split('/');
  const detail = rest.length > 0 ? decodeURIComponent(rest.join('/')) : '';
  const params = new URLSearchParams(queryPart ?? '');
  for (const link of nav.querySelectorAll('a')) link.classList.toggle('active', link.dataset.nav === page);
  main.replaceChildren(h('p', { class: 'muted' }, 'loading…'));
  try {
    let content: HTMLElement;
    if (page === 'decisions') content = detail ? await chainPage(detail) : await decisionsPage();
    else if (page === 'journal')
      content = detail ? await journalEntryPage(detail) : await journalPage(params);
    else if (page === 'costs') content = await costsPage();
    else if (page === 'charts') content = await chartsPage(params);
    else if (page === 'live')
      content = await livePage((stop) => {
        // A stream opened for a page the operator already left is closed at once.
        if (generation === renders) stopPage = stop;
        else stop();
      });
    else if (page === 'reports') content = await reportsPage(params);
    else content = await overviewPage();
    if (generation !== renders) return;
    main.replaceChildren(content);
  } catch (error) {
    if (error instanceof Unauthorized || generation !== renders) return;
    main.replaceChildren(
      h('p', { class: 'error' }, error instanceof ApiError ? error.message : String(error)),
    );
  }
}

function start(): void {
  root.replaceChildren(nav, bannerBox, main);
  void banner.refresh();
  if (timer) clearInterval(timer);
  timer = window.setInterval(() => void banner.refresh(), 2_000);
  void render();
}

whenUnauthorized(() => showLogin('The operator token is missing or was refused.'));
window.addEventListener('hashchange', () => {
  if (session.token()) void render();
});
if (session.token()) start();
else showLogin();
