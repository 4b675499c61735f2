import { existsSync } from 'node:fs';
import path from 'node:path';
import { type AgentRuntime, DeciderTally } from '../agents/index.ts';
import type { Bus } from '../bus/index.ts';
import { topics } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import { writeJournalEntry } from '../journal/index.ts';
import { createLlmRouter, type LlmRouter, type RequestRejection } from '../llm/index.ts';
import type { Logger } from '../logging/index.ts';
import { FileNewsFeed } from '../news/index.ts';
import {
  loadChallengers,
  loadPhilosophy,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../skills/index.ts';
import type { Store } from '../store/index.ts';
import { logNotifier, type Notifier, Pager, webhookNotifier } from '../watchdog/index.ts';

export interface LoadedAgents {
  agents: AgentRuntime & { tally: DeciderTally };
  skills: SkillRegistry;
  router: LlmRouter;
  /** What is configured to answer the agents (the routes, or the fallbacks); `agents.tally` counts who did. */
  deciders: string;
  /** Pages the operator (the log, and `watchdog.webhookUrl` when set): a route refusing our request. */
  pager: Pager;
  /** Every refusal announced so far (once per route and skill), for a run's own report. */
  rejections: RequestRejection[];
  /**
   * Waits for the LLM cost ledger rows still being written (a lost one is logged), then stops
   * the skills watcher and the pager's retries.
   */
  close(): Promise<void>;
}

export function brainPager(config: Config, logger: Logger): Pager {
  const notifiers: Notifier[] = [logNotifier(logger)];
  if (config.watchdog.webhookUrl) notifiers.push(webhookNotifier(config.watchdog.webhookUrl));
  return new Pager(notifiers, logger, config.watchdog.pageRetryMs);
}

/**
 * What a route refusing our request leaves behind besides the router's bus message: a journal
 * entry (the run's journal) and a level-1 page, so the operator reads it where they read halts.
 */
export async function announceRejection(
  deps: { store: Store; pager: Pager; journalRoot: string },
  rejection: RequestRejection,
): Promise<void> {
  const paged = deps.pager.page({
    level: 1,
    title: rejection.headline,
    detail: `${rejection.fix} (agent ${rejection.agent}, skill ${rejection.skill}@${rejection.skillVersion}, model ${rejection.model}${rejection.status === null ? '' : `, HTTP ${rejection.status}`}); the route is open and the agents' deterministic fallbacks decide until it answers.`,
    at: rejection.at,
  });
  await writeJournalEntry(
    {
      ts: new Date(rejection.at),
      cycleId: rejection.cycleId,
      agent: 'llm-router',
      outcome: 'error',
      decidedBy: 'code',
      notes: [
        rejection.headline,
        `Our request was malformed for this vendor (our configuration's fault): route ${rejection.route} (${rejection.routeKind}, model ${rejection.model}) is open, and the deterministic fallbacks decide for skill ${rejection.skill} until it answers.`,
        `Fix: ${rejection.fix}`,
      ],
      summary: {
        event: topics.llmRequestRejected,
        route: rejection.route,
        skill: rejection.skill,
        status: rejection.status,
      },
    },
    { db: deps.store, root: deps.journalRoot },
  );
  // One delivery attempt is awaited (a short CLI run must not exit before it); retries go on.
  await paged;
}

/** The news the agents are shown, from `pipeline.news` (none by default). */
async function newsSourceFor(config: Config, logger: Logger): Promise<AgentRuntime['news']> {
  const section = config.pipeline.news;
  const settings = { lookbackMs: section.lookbackHours * 3_600_000, limit: section.limit };
  if (section.source === 'file' && section.file)
    return { feed: await FileNewsFeed.load(path.resolve(section.file)), ...settings };
  if (section.source === 'none' || section.source === 'file') return undefined;
  // Loaded only for a venue's news: the registry brings every venue's client library (the IBKR
  // socket client, the MT5 bridge's HTTP server), about 150 ms of a backtest's start that reads none.
  const { venueNamed } = await import('../venues/index.ts');
  const venue = venueNamed(section.source, 'pipeline.news.source');
  if (!venue.newsFeed)
    throw new SignetError(`pipeline.news.source: the ${section.source} venue serves no news`, {
      code: 'config_invalid',
      fault: 'user',
      fix: 'Set pipeline.news.source to none, file (with pipeline.news.file) or a venue with a news API (alpaca).',
    });
  if (!section.stream) return { feed: venue.newsFeed(config, logger), ...settings };
  if (!venue.newsStream)
    throw new SignetError(`pipeline.news.stream: the ${section.source} venue has no news stream`, {
      code: 'config_invalid',
      fault: 'user',
      fix: `Remove pipeline.news.stream (the ${section.source} news API is read per candidate), or set pipeline.news.source to alpaca.`,
    });
  const stream = venue.newsStream(config, logger);
  // A stream that does not connect is not fatal: the historical API answers until it does.
  await stream.start().catch((error: unknown) => {
    logger.warn(
      { err: (error as Error).message },
      'news stream not connected: the historical news API answers every question',
    );
  });
  return { feed: stream, ...settings };
}

function philosophyFile(config: Config): string {
  if (config.paths.philosophyFile) return path.resolve(config.paths.philosophyFile);
  const local = path.resolve(config.paths.contextDir, 'philosophy.md');
  return existsSync(local) ? local : shippedPhilosophyFile();
}

/**
 * The agents' runtime as the brain and the full-pipeline backtest both build it: the skills
 * (hot-reloaded when `watch`), the philosophy, and the LLM router, or no routes at all when
 * `llm` is false (every agent then decides by its deterministic fallback, and says so).
 */
export async function loadAgents(
  config: Config,
  deps: {
    store: Store;
    bus: Bus;
    logger: Logger;
    watch: boolean;
    llm: boolean;
    /** Where a rejected request is journaled (a backtest's own folder); default `paths.contextDir`. */
    journalRoot?: string;
    pager?: Pager;
  },
): Promise<LoadedAgents> {
  const { store, bus, logger } = deps;
  const pager = deps.pager ?? brainPager(config, logger);
  const journalRoot = deps.journalRoot ?? config.paths.contextDir;
  const skillsDir = config.paths.skillsDir ? path.resolve(config.paths.skillsDir) : shippedSkillsDir();
  const skills = await SkillRegistry.load({ dir: skillsDir, logger, bus, watch: deps.watch });
  try {
    const missing = ['regime', 'strategist', 'fact-checker', 'double-checker'].filter(
      (name) => !skills.has(name),
    );
    if (missing.length > 0) {
      throw new SignetError(`skills missing from ${skillsDir}: ${missing.join(', ')}`, {
        code: 'skills_missing',
        fault: 'user',
        fix: 'Point paths.skillsDir at a folder with those skills (see `signet skills check`), or remove the key to use the shipped ones.',
      });
    }
    const philosophy = await loadPhilosophy(philosophyFile(config));
    // Challengers run in shadow only: an invalid one is logged and left out, never fatal.
    const { challengers, problems } = await loadChallengers(skillsDir, 'strategist');
    const news = await newsSourceFor(config, logger);
    for (const problem of problems)
      logger.warn(
        { file: problem.file, reason: problem.reason },
        'strategist challenger skipped: invalid SKILL.md',
      );
    // Without --llm nothing is asked or replayed: a recorded answer is an LLM's decision too.
    const section = deps.llm ? config.llm : { ...config.llm, routes: [], mode: 'live' as const };
    const rejections: RequestRejection[] = [];
    const router = createLlmRouter({
      section,
      secrets: config.secrets.llm,
      store,
      logger,
      bus,
      onRequestRejected: (rejection) => {
        rejections.push(rejection);
        return announceRejection({ store, pager, journalRoot }, rejection);
      },
    });
    const deciders = router.configured
      ? `LLM routes ${router
          .routes()
          .map((route) => `${route.name} (${route.model})`)
          .join(', ')}`
      : deps.llm
        ? 'no LLM route configured: every agent uses its deterministic fallback'
        : 'no LLM asked: every agent uses its deterministic fallback';
    const tally = new DeciderTally();
    return {
      agents: { skills, llm: router, philosophy, logger, tally, challengers, ...(news ? { news } : {}) },
      skills,
      router,
      deciders,
      pager,
      rejections,
      async close() {
        await router
          .settle()
          .catch((error: unknown) => logger.error({ err: error }, 'LLM cost ledger rows lost at shutdown'));
        skills.close();
        news?.feed.close?.();
        pager.stop();
      },
    };
  } catch (error) {
    skills.close();
    pager.stop();
    throw error;
  }
}
