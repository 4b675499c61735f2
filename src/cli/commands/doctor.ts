import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createAlpacaClient, createMt5Broker } from '../../broker/index.ts';
import { type Config, type LlmRouteConfig, llmPresets, routeKeyEnv } from '../../config/index.ts';
import { errorMessage, SignetError } from '../../errors/index.ts';
import { heartbeatStaleAfterMs } from '../../heartbeats/index.ts';
import {
  createRoute,
  type OpenRejection,
  priceTable,
  probeRoutes,
  readOpenRejections,
} from '../../llm/index.ts';
import type { Logger } from '../../logging/index.ts';
import { createAlpacaFeed } from '../../market/index.ts';
import { SkillRegistry, shippedSkillsDir } from '../../skills/index.ts';
import type { Store } from '../../store/index.ts';
import type { CliContext } from '../context.ts';
import { mt5FeedCheck } from './doctor-mt5.ts';

/**
 * `signet doctor`: a list of checks, each saying what is wrong and how to fix it. Other
 * concerns add theirs by pushing onto `doctorChecks` (e.g. the LLM routes), or by passing their
 * own list to `runDoctor`.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do about it (warn and fail). */
  fix?: string;
}

export interface DoctorContext {
  config: Config;
  logger: Logger;
  /** Opens the database on first use (a failing open is the database check's finding). */
  store(): Promise<Store>;
  /** Send every skill's output schema to every route (default true; `--no-llm-probe` turns it off). */
  probeLlm?: boolean;
}

export interface DoctorCheck {
  name: string;
  run(context: DoctorContext): Promise<CheckResult>;
}

export function failure(error: unknown, fallbackFix: string): CheckResult {
  return {
    status: 'fail',
    detail: errorMessage(error),
    fix: error instanceof SignetError && error.fix ? error.fix : fallbackFix,
  };
}

export const databaseCheck: DoctorCheck = {
  name: 'database',
  async run(context) {
    try {
      const store = await context.store();
      const version = await store.query<{ server_version: string }>('SHOW server_version');
      return {
        status: 'ok',
        detail: `${store.maskedUrl} (PostgreSQL ${version.rows[0]?.server_version ?? '?'}), migrations applied`,
      };
    } catch (error) {
      return failure(error, 'Check DATABASE_URL, or unset it to use the embedded database.');
    }
  },
};

/** ACCOUNT_TRADE_MODE names; a real account takes entries only after `signet start --live`. */
const accountKinds: Record<number, string> = { 0: 'demo', 1: 'contest', 2: 'real-money (needs --live)' };

export const brokerCheck: DoctorCheck = {
  name: 'broker',
  async run(context) {
    const { config } = context;
    const kind = config.broker.kind;
    if (kind === 'paper') return { status: 'ok', detail: 'paper broker (simulated fills, no network)' };
    if (kind === 'mt5') {
      if (!config.secrets.broker.mt5Token)
        return {
          status: 'fail',
          detail: `${config.broker.mt5.tokenEnv} is not set`,
          fix: `Export ${config.broker.mt5.tokenEnv} with the token entered as InpToken in SignetBridge.mq5.`,
        };
      try {
        const broker = createMt5Broker(config, await context.store());
        const { terminalId, details, ageMs } = await broker.terminal();
        if (ageMs === null)
          return {
            status: 'fail',
            detail: `no heartbeat from terminal ${terminalId} (broker.mt5.terminalId)`,
            fix: 'Attach SignetBridge.mq5 to a chart of that terminal, or correct broker.mt5.terminalId.',
          };
        // The watchdog's rule: the doctor must not pass an EA the watchdog already calls stale.
        const limit = heartbeatStaleAfterMs(config.broker.mt5.heartbeatIntervalMs);
        if (ageMs > limit)
          return {
            status: 'fail',
            detail: `EA ${terminalId} last beat ${Math.round(ageMs / 1000)} s ago`,
            fix: 'Check that MetaTrader 5 is running with the EA attached and Algo Trading on; see the Experts tab for WebRequest errors.',
          };
        const account = await broker.account();
        if (details.trade_allowed === false)
          return {
            status: 'fail',
            detail: `EA ${terminalId} beats, but trading is disabled in the terminal`,
            fix: 'Press Algo Trading in MetaTrader 5 and tick "Allow Algo Trading" in the EA settings.',
          };
        return {
          status: 'ok',
          detail: `EA ${terminalId} beat ${Math.round(ageMs / 1000)} s ago, trading allowed, ${accountKinds[details.account?.trade_mode ?? 0] ?? 'unknown'} account, equity ${account.equity.toFixed(2)}`,
        };
      } catch (error) {
        return failure(error, 'Attach SignetBridge.mq5 and check the database.');
      }
    }
    try {
      const client = createAlpacaClient(config, context.logger);
      const account = await client.account();
      const clock = await client.clock();
      const mode = config.broker.alpaca.mode;
      if (account.status !== 'ACTIVE' || account.trading_blocked || account.account_blocked) {
        return {
          status: 'fail',
          detail: `Alpaca ${mode} account ${account.account_number ?? account.id} is ${account.status}${account.trading_blocked ? ', trading blocked' : ''}${account.account_blocked ? ', account blocked' : ''}`,
          fix: 'Resolve the account status in the Alpaca dashboard.',
        };
      }
      return {
        status: 'ok',
        detail: `Alpaca ${mode}: keys accepted, account ${account.status}, equity ${account.equity.toFixed(2)} ${account.currency}, market ${clock.is_open ? 'open' : `closed (opens ${clock.next_open})`}`,
      };
    } catch (error) {
      return failure(error, 'Check APCA_API_KEY_ID / APCA_API_SECRET_KEY and broker.alpaca.mode.');
    }
  },
};

export const feedCheck: DoctorCheck = {
  name: 'feed',
  async run(context) {
    const { config } = context;
    if (config.broker.kind === 'mt5') return mt5FeedCheck(context);
    if (config.broker.kind !== 'alpaca')
      return { status: 'skip', detail: `no network feed for the ${config.broker.kind} broker` };
    const section = config.broker.alpaca;
    const symbols = section.symbols.length > 0 ? section.symbols : ['SPY'];
    try {
      const feed = createAlpacaFeed(config, context.logger, symbols);
      const latest = await feed.latest();
      const missing = symbols.filter((symbol) => !latest.some((bar) => bar.symbol === symbol));
      if (missing.length > 0)
        return {
          status: 'warn',
          detail: `no latest bar for ${missing.join(', ')}`,
          fix: 'Check the symbols in broker.alpaca.symbols and the data feed (iex covers fewer symbols than sip).',
        };
      const newest = Math.max(...latest.map((bar) => bar.time));
      return {
        status: 'ok',
        detail: `Alpaca data (${section.dataFeed}): latest bars for ${symbols.join(', ')}, newest ${new Date(newest).toISOString()}`,
      };
    } catch (error) {
      return failure(
        error,
        'Check the market-data URL (broker.alpaca.dataUrl) and the data plan of the keys.',
      );
    }
  },
};

function onPath(binary: string): boolean {
  if (binary.includes('/')) return existsSync(binary);
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((folder) => folder && existsSync(path.join(folder, binary)));
}

/** One configured LLM route: its binary is there, or its server answers and takes the key. */
async function checkRoute(config: Config, route: LlmRouteConfig): Promise<string | undefined> {
  if (route.kind === 'claude-cli' || route.kind === 'codex-cli') {
    const binary = route.binary ?? (route.kind === 'claude-cli' ? 'claude' : 'codex');
    return onPath(binary)
      ? undefined
      : `${route.name}: the ${binary} executable is not on PATH (install it, or set llm.routes[].binary)`;
  }
  const key = config.secrets.llm[route.name];
  const keyEnv = routeKeyEnv(route);
  if ((route.kind === 'anthropic' || route.kind === 'openai' || route.kind === 'gemini') && !key) {
    return `${route.name}: no API key (export ${keyEnv})`;
  }
  const base = (
    route.baseUrl ??
    (route.kind === 'anthropic'
      ? 'https://api.anthropic.com'
      : route.kind === 'openai'
        ? 'https://api.openai.com/v1'
        : route.kind === 'gemini'
          ? 'https://generativelanguage.googleapis.com'
          : route.preset
            ? llmPresets[route.preset].baseUrl
            : llmPresets.ollama.baseUrl)
  ).replace(/\/+$/, '');
  // Listing models costs nothing and proves the address, and the key where one is needed.
  const url =
    route.kind === 'anthropic'
      ? `${base}/v1/models`
      : route.kind === 'gemini'
        ? `${base}/v1beta/models`
        : `${base}/models`;
  const headers: Record<string, string> = {};
  if (key && route.kind === 'anthropic')
    Object.assign(headers, { 'x-api-key': key.reveal(), 'anthropic-version': '2023-06-01' });
  else if (key && route.kind === 'gemini') headers['x-goog-api-key'] = key.reveal();
  else if (key) headers.authorization = `Bearer ${key.reveal()}`;
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
    if (response.status === 401 || response.status === 403)
      return `${route.name}: ${base} refused the key (${response.status})`;
    return undefined;
  } catch (error) {
    return `${route.name}: ${base} cannot be reached (${errorMessage(error)})`;
  }
}

export const llmRoutesCheck: DoctorCheck = {
  name: 'llm routes',
  async run({ config }) {
    const routes = config.llm.routes.filter((route) => route.enabled);
    if (routes.length === 0)
      return { status: 'ok', detail: 'no LLM route configured: agents use their deterministic fallbacks' };
    const problems = (await Promise.all(routes.map((route) => checkRoute(config, route)))).filter(
      (problem): problem is string => problem !== undefined,
    );
    if (problems.length === 0)
      return { status: 'ok', detail: `${routes.map((route) => route.name).join(', ')} reachable` };
    const status = problems.length === routes.length ? 'fail' : 'warn';
    return {
      status,
      detail: problems.join('; '),
      fix: 'Fix the routes named above; while one route answers, the others are skipped by their breakers.',
    };
  },
};

/**
 * Every skill's real output schema, sent once to every configured route with the cheapest call
 * the vendor allows: a route that refuses a skill's request is named with the vendor's own
 * words before any trading depends on it (a refused route opens and the fallbacks decide).
 */
export const llmSchemasCheck: DoctorCheck = {
  name: 'llm schemas',
  async run(context) {
    const { config, logger } = context;
    const configs = config.llm.routes.filter((route) => route.enabled);
    if (configs.length === 0) return { status: 'skip', detail: 'no LLM route configured' };
    let store: Store | undefined;
    try {
      store = await context.store();
    } catch {
      store = undefined;
    }
    // Refusals seen while running, not answered since (a successful probe below clears its own).
    const standing = async (): Promise<OpenRejection[]> =>
      store ? await readOpenRejections(store).catch(() => []) : [];
    if (context.probeLlm === false) {
      const seen = await standing();
      if (seen.length === 0) return { status: 'skip', detail: 'not probed (--no-llm-probe)' };
      return {
        status: 'fail',
        detail: seen.map((rejection) => `${rejection.headline} (seen ${rejection.at})`).join('; '),
        fix: seen[0]!.fix ?? 'Fix the route or the skill, then run `signet doctor` without --no-llm-probe.',
      };
    }
    const dir = config.paths.skillsDir ? path.resolve(config.paths.skillsDir) : shippedSkillsDir();
    const skills = await SkillRegistry.load({ dir, logger, watch: false });
    try {
      const results = await probeRoutes({
        routes: configs.map((route) => createRoute(route, config.secrets.llm[route.name])),
        skills: skills.list().map((skill) => ({
          name: skill.name,
          version: skill.version,
          jsonSchema: skill.output.jsonSchema,
        })),
        prices: priceTable(config.llm.prices),
        store,
        logger,
      });
      const rejected = results.filter((result) => result.outcome === 'rejected');
      const failed = results.filter((result) => result.outcome === 'failed');
      const accepted = results.filter((result) => result.outcome === 'accepted');
      const lines = [
        ...rejected.map(
          (result) =>
            `route ${result.route} rejects our request for skill ${result.skill}: ${result.message}`,
        ),
        ...failed.map((result) => `route ${result.route} could not be probed: ${result.message}`),
        ...(await standing())
          .filter(
            (seen) =>
              !results.some((result) => result.route === seen.route && result.skill === seen.skill) &&
              configs.some((route) => route.name === seen.route),
          )
          .map((seen) => `${seen.headline} (seen ${seen.at}, not probed now)`),
      ];
      if (lines.length === 0)
        return {
          status: 'ok',
          detail: `${accepted.length} skill schemas accepted by ${configs.map((route) => route.name).join(', ')}`,
        };
      return {
        status: rejected.length > 0 ? 'fail' : 'warn',
        detail: lines.join('; '),
        fix:
          rejected.length > 0
            ? (rejected[0]!.fix ??
              "Fix the route's model or options, or the skill's output schema; until then the route opens and the fallbacks decide.")
            : (failed[0]!.fix ?? 'See the route check above.'),
      };
    } finally {
      skills.close();
    }
  },
};

/** The checks `signet doctor` runs, in order. Append yours. */
export const doctorChecks: DoctorCheck[] = [
  databaseCheck,
  brokerCheck,
  feedCheck,
  llmRoutesCheck,
  llmSchemasCheck,
];

export interface DoctorReport {
  ok: boolean;
  checks: Array<CheckResult & { name: string }>;
}

/** Runs each check (a check that throws counts as failed); ok when none failed. */
export async function runDoctor(
  context: DoctorContext,
  checks: readonly DoctorCheck[] = doctorChecks,
): Promise<DoctorReport> {
  const results: DoctorReport['checks'] = [];
  for (const check of checks) {
    try {
      results.push({ name: check.name, ...(await check.run(context)) });
    } catch (error) {
      results.push({
        name: check.name,
        ...failure(error, 'This check itself failed; run with SIGNET_DEBUG=1 for details.'),
      });
    }
  }
  return { ok: results.every((result) => result.status !== 'fail'), checks: results };
}

const marks: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

export function registerDoctorCommand(program: Command, context: CliContext): void {
  program
    .command('doctor')
    .description(
      "check the database, the broker (keys, clock, account), the feed and the LLM routes (each skill's schema sent once); say what to fix",
    )
    .option('--json', 'machine-readable output')
    .option('--no-llm-probe', "do not send each skill's output schema to each LLM route")
    .action(async (options: { json?: boolean; llmProbe?: boolean }) => {
      const report = await runDoctor({
        config: context.config(),
        logger: context.logger(),
        store: () => context.store(),
        probeLlm: options.llmProbe !== false,
      });
      if (options.json) context.json(report);
      else {
        for (const check of report.checks) {
          context.out(`${marks[check.status]} ${check.name.padEnd(11)} ${check.detail}`);
          if (check.fix && check.status !== 'ok') context.out(`     ${''.padEnd(11)} fix: ${check.fix}`);
        }
        context.out(report.ok ? 'all checks passed' : 'something is wrong: see FAIL above');
      }
      if (!report.ok) process.exitCode = 1;
    });
}
