import { escapeHtml } from '../backtest/index.ts';
import type { CheckResult, PerturbationReport } from './perturbation-check.ts';

type Perturbation = PerturbationReport | { skipped: string };

/** Flagged decisions listed in the Markdown and HTML reports (evaluation.json has them all). */
const listedFlags = 50;

const show = (value: number | null) => (value === null ? 'n/a' : `${value} %`);

interface Section {
  title: string;
  what: string;
  rule: string;
  checks: Array<[string, CheckResult | null]>;
}

function sections(check: PerturbationReport): Section[] {
  return [
    {
      title: '(a) Identity perturbation: the same bars, another name and other dates',
      what: `Tickers anonymised (${Object.entries(check.identity.symbols)
        .map(([real, fake]) => `${real} → ${fake}`)
        .join(
          ', ',
        )}), dates shifted by ${check.identity.shiftDays} days (whole weeks); the bars are unchanged.`,
      rule: 'A decision that CHANGES is flagged as possible memorisation: the decider used the name or the date, not the bars. An honest decider changes none (the fallbacks: 0). Flagged % is of the compared decisions.',
      checks: [
        ['LLM', check.identity.llm],
        ['fallbacks (control)', check.identity.control],
      ],
    },
    {
      title: '(b) Data perturbation: other bars, the real name and dates',
      what: `Every price p → level × c0² / p (c0 the symbol's first close): the series mirrored in log space, each rise a fall of the same size, high and low swapped, volume kept; level seeded (seed ${check.data.seed}): ${Object.entries(
        check.data.anchors,
      )
        .map(([symbol, anchor]) => `${symbol} c0 ${anchor.firstClose}, level ${anchor.level}`)
        .join('; ')}.`,
      rule: 'A trade that does NOT change although the trend it followed was reversed is flagged as input-insensitive, possible memorisation (arXiv 2510.07920); no-trades kept are counted, not flagged. A trend follower changes many (the fallbacks: > 0). Flagged % is of the decider’s original trades.',
      checks: [
        ['LLM', check.data.llm],
        ['fallbacks (control)', check.data.control],
      ],
    },
  ];
}

const header = ['Decider', 'Compared', 'Changed', 'Changed %', 'Flagged', 'Flagged %', 'Missing'];
const cells = (name: string, result: CheckResult) => [
  name,
  String(result.compared),
  String(result.changed),
  show(result.changedPct),
  `${result.flaggedCount} ${result.rule}`,
  show(result.flaggedPct),
  String(result.missing),
];

function flaggedLines(name: string, result: CheckResult): string[] {
  if (result.flaggedCount === 0) return [];
  const listed = result.flagged
    .slice(0, listedFlags)
    .map((each) => `- ${each.symbol} ${each.date}: ${each.original} → ${each.perturbed}`);
  const more = result.flaggedCount - listed.length;
  return [
    `Flagged (${name}, ${result.rule}):`,
    '',
    ...listed,
    ...(more > 0 ? [`- … and ${more} more (all in evaluation.json)`] : []),
    '',
  ];
}

/** The report's "Input perturbation" section, in Markdown. */
export function perturbationMarkdown(perturbation: Perturbation): string[] {
  if ('skipped' in perturbation) return [`Skipped: ${perturbation.skipped}.`];
  return sections(perturbation).flatMap((section) => {
    const rows = section.checks.filter((entry): entry is [string, CheckResult] => entry[1] !== null);
    return [
      `### ${section.title}`,
      '',
      section.what,
      '',
      section.rule,
      '',
      `| ${header.join(' | ')} |`,
      `|${header.map(() => '---').join('|')}|`,
      ...rows.map(([name, result]) => `| ${cells(name, result).join(' | ')} |`),
      '',
      'Missing: decisions of the original run without one by the same decider in the perturbed run (a replay miss, a position held in one run only).',
      '',
      ...rows.flatMap(([name, result]) => flaggedLines(name, result)),
    ];
  });
}

/** The report's "Input perturbation" section, in HTML. */
export function perturbationHtml(perturbation: Perturbation): string {
  if ('skipped' in perturbation) return `<p>${escapeHtml(`Skipped: ${perturbation.skipped}.`)}</p>`;
  return sections(perturbation)
    .map((section) => {
      const rows = section.checks.filter((entry): entry is [string, CheckResult] => entry[1] !== null);
      const table = `<table><thead><tr>${header.map((cell) => `<th>${cell}</th>`).join('')}</tr></thead><tbody>${rows
        .map(
          ([name, result]) =>
            `<tr>${cells(name, result)
              .map((cell, index) =>
                index === 0 ? `<th>${escapeHtml(cell)}</th>` : `<td>${escapeHtml(cell)}</td>`,
              )
              .join('')}</tr>`,
        )
        .join('')}</tbody></table>`;
      const flagged = rows
        .filter(([, result]) => result.flaggedCount > 0)
        .map(([name, result]) => {
          const items = result.flagged
            .slice(0, listedFlags)
            .map(
              (each) =>
                `<li>${escapeHtml(`${each.symbol} ${each.date}: ${each.original} → ${each.perturbed}`)}</li>`,
            )
            .join('');
          const more = result.flaggedCount - Math.min(listedFlags, result.flagged.length);
          return `<details class="flagged"><summary>${escapeHtml(`Flagged (${name}): ${result.flaggedCount} ${result.rule}`)}</summary><ul>${items}${more > 0 ? `<li>… and ${more} more (all in evaluation.json)</li>` : ''}</ul></details>`;
        })
        .join('');
      return `<h3>${escapeHtml(section.title)}</h3><p>${escapeHtml(section.what)}</p><p>${escapeHtml(section.rule)}</p>${table}${flagged}`;
    })
    .join('\n');
}
