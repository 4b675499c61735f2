import { get, getBlob } from '../api.ts';
import { h, table, time } from '../dom.ts';
import { renderMarkdown } from '../markdown.ts';
import { evaluationEquity, reportEquity } from '../report-charts.ts';

interface ReportFile {
  path: string;
  size: number;
  modifiedAt: string;
}

export async function reportsPage(params: URLSearchParams): Promise<HTMLElement> {
  const { folder, files, optimizer, evaluations } = await get<{
    folder: string;
    files: ReportFile[];
    optimizer: ReportFile[];
    evaluations?: ReportFile[];
  }>('/reports');
  const section = h('section', { 'data-page': 'reports' }, h('h1', {}, 'Self-optimizer reports'));
  const markdown = optimizer.filter((file) => file.path.endsWith('.md'));
  section.append(
    table(
      ['Report', 'Written'],
      markdown.map((file) => [
        h('a', { href: `#/reports?optimizer=${encodeURIComponent(file.path)}` }, file.path),
        time(file.modifiedAt),
      ]),
      'no self-optimizer report yet (signet optimize, or nightly in market mode)',
    ),
  );
  const report = params.get('optimizer');
  if (report) {
    const text = await (
      await getBlob(`/reports/file?source=optimizer&path=${encodeURIComponent(report)}`)
    ).text();
    const body = h('article', { class: 'markdown', 'data-report': report });
    // renderMarkdown escapes the text first: a report's content stays text.
    body.innerHTML = renderMarkdown(text);
    section.append(h('h2', {}, report), body);
  }
  section.append(h('h1', {}, 'Evaluations'));
  section.append(
    table(
      ['Evaluation', 'Written'],
      (evaluations ?? [])
        .filter((file) => file.path.endsWith('/report.html') || file.path.endsWith('/evaluation.md'))
        .map((file) => [
          h('a', { href: `#/reports?evaluation=${encodeURIComponent(file.path)}` }, file.path),
          time(file.modifiedAt),
        ]),
      'no evaluation yet: `npx signet evaluate --data FILE` writes one here',
    ),
  );
  const evaluation = params.get('evaluation');
  if (evaluation) section.append(...(await shown(evaluation, 'evaluation')));
  section.append(h('h1', {}, 'Backtest reports'), h('p', { class: 'muted' }, `Folder: ${folder}`));
  section.append(
    table(
      ['File', 'Size', 'Written'],
      files.map((file) => [
        h('a', { href: `#/reports?open=${encodeURIComponent(file.path)}` }, file.path),
        `${Math.ceil(file.size / 1024)} KiB`,
        time(file.modifiedAt),
      ]),
      'no backtest report yet: `npx signet backtest --data FILE --report` writes one here',
    ),
  );
  const open = params.get('open');
  if (open) section.append(...(await shown(open, 'backtest')));
  return section;
}

/** One report file: HTML and images in a sandboxed frame, Markdown rendered, others to download. */
async function shown(file: string, source: 'backtest' | 'evaluation'): Promise<HTMLElement[]> {
  // Fetched with the token, shown from a blob in a sandboxed frame (no scripts, no same-origin access).
  const blob = await getBlob(`/reports/file?source=${source}&path=${encodeURIComponent(file)}`);
  if (file.endsWith('.md')) {
    const body = h('article', { class: 'markdown', 'data-report': file });
    // renderMarkdown escapes the text first: a report's content stays text.
    body.innerHTML = renderMarkdown(await blob.text());
    return [h('h2', {}, file), body];
  }
  const url = URL.createObjectURL(blob);
  if (blob.type.startsWith('text/html') || blob.type.startsWith('image/')) {
    const equity = source === 'backtest' ? await reportEquity(file) : await evaluationEquity(file);
    return [
      h('h2', {}, file),
      ...(equity ? [equity] : []),
      h('iframe', { src: url, sandbox: '', class: 'report', title: file }),
    ];
  }
  return [
    h('p', {}, h('a', { href: url, download: file.split('/').at(-1) ?? 'report' }, `download ${file}`)),
  ];
}
