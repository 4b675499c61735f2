import path from 'node:path';
import { type BacktestRun, writeBacktestReport } from '../../backtest/index.ts';
import { backtestReportsPath, type Config } from '../../config/index.ts';

/**
 * `--report` alone writes into the folder the console serves (`ingress.reportsDir`, default
 * `context/reports/backtests`), one folder per run, so a report shows there without any setting;
 * `--report DIR` writes exactly there, and says so when the console does not serve it.
 */
export async function writeReportOf(
  flag: string | true,
  run: BacktestRun,
  config: Pick<Config, 'ingress' | 'paths'>,
): Promise<string[]> {
  const served = backtestReportsPath(config);
  const folder = flag === true ? path.join(served, safeFolderName(run.runId)) : path.resolve(flag);
  const files = await writeBacktestReport(folder, run);
  process.stderr.write(`report: ${files.join(', ')}\n`);
  const relative = path.relative(served, folder);
  if (relative.startsWith('..') || path.isAbsolute(relative))
    process.stderr.write(
      `report: the console serves ${served}; set ingress.reportsDir to ${path.dirname(folder)} to see this one there\n`,
    );
  else
    process.stderr.write(
      `report: in the console, Reports → ${relative.split(path.sep).join('/')}/report.html\n`,
    );
  return files;
}

/** A run id as one folder name: no separators or dots that could lead out of the reports folder. */
function safeFolderName(runId: string): string {
  return runId.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 120) || 'run';
}
