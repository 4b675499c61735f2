import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AgentRuntime } from '../agents/index.ts';
import { Bus } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import { startHeartbeat } from '../heartbeats/index.ts';
import { createLlmRouter, type LlmRouter } from '../llm/index.ts';
import type { Logger } from '../logging/index.ts';
import { loadPhilosophy, SkillRegistry, shippedPhilosophyFile, shippedSkillsDir } from '../skills/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { type ResumeReport, type SessionStatus, SimSession } from './sim-session.ts';

export interface Brain {
  store: Store;
  bus: Bus;
  router: LlmRouter;
  skills: SkillRegistry;
  session: SimSession;
  /** Whether this start resumed a stored run, and what reconciliation repaired. */
  resume: ResumeReport;
  /** What answers the agents: the configured routes, or the deterministic fallbacks. */
  deciders: string;
  /** Starts the scheduler (one bar per `schedule.barIntervalMs`). */
  run(onStatus: (status: SessionStatus) => void): void;
  /** Stops everything this brain started. Safe to call twice. */
  stop(): Promise<void>;
}

export interface BrainOptions {
  /** Prefix of this run's cycle and order ids; default: sim seed + start time. */
  runId?: string;
}

const brainHeartbeatMs = 5_000;

function philosophyFile(config: Config): string {
  if (config.paths.philosophyFile) return path.resolve(config.paths.philosophyFile);
  const local = path.resolve(config.paths.contextDir, 'philosophy.md');
  return existsSync(local) ? local : shippedPhilosophyFile();
}

function unsupported(config: Config): string | null {
  if (config.schedule.mode !== 'sim')
    return 'schedule.mode "market" needs a live feed, which is not wired into the runtime yet; use schedule.mode: sim';
  if (config.feed.kind !== 'sim')
    return `feed.kind "${config.feed.kind}" is not wired into the live runtime yet; use feed.kind: sim (csv and alpaca feeds work in \`signet backtest\`)`;
  if (config.broker.kind !== 'paper')
    return `broker.kind "${config.broker.kind}" is not wired into the live runtime yet; use broker.kind: paper`;
  return null;
}

/**
 * Wires the brain: database (embedded or DATABASE_URL), bus, skills (hot reload), LLM router,
 * the paper session on the sim feed, heartbeats. Entry points only call this and `run`.
 */
export async function startBrain(config: Config, logger: Logger, options: BrainOptions = {}): Promise<Brain> {
  const problem = unsupported(config);
  if (problem)
    throw new SignetError(problem, {
      code: 'runtime_unsupported',
      fault: 'user',
      fix: 'Change the named key in signet.yaml.',
    });
  const store = await openStore({ config, logger, applicationName: 'signet-brain' });
  const bus = new Bus({ store, logger, settings: config.bus });
  let skills: SkillRegistry | undefined;
  try {
    const skillsDir = config.paths.skillsDir ? path.resolve(config.paths.skillsDir) : shippedSkillsDir();
    skills = await SkillRegistry.load({ dir: skillsDir, logger, bus, watch: true });
    const missing = ['regime', 'strategist', 'fact-checker', 'double-checker'].filter(
      (name) => !skills?.has(name),
    );
    if (missing.length > 0) {
      throw new SignetError(`skills missing from ${skillsDir}: ${missing.join(', ')}`, {
        code: 'skills_missing',
        fault: 'user',
        fix: 'Point paths.skillsDir at a folder with those skills (see `signet skills check`), or remove the key to use the shipped ones.',
      });
    }
    const philosophy = await loadPhilosophy(philosophyFile(config));
    const router = createLlmRouter({ section: config.llm, secrets: config.secrets.llm, store, logger, bus });
    const deciders = router.configured
      ? `LLM routes ${router
          .routes()
          .map((route) => `${route.name} (${route.model})`)
          .join(', ')}`
      : 'no LLM route configured: every agent uses its deterministic fallback';
    const agents: AgentRuntime = { skills, llm: router, philosophy, logger };
    const { session, resume } = await SimSession.open({
      config,
      store,
      bus,
      logger,
      agents,
      runId: options.runId,
    });
    const runId = session.runId;
    const heartbeat = startHeartbeat(store, logger, 'brain', 'process', brainHeartbeatMs);
    await bus.publish({
      fromAgent: 'brain',
      toAgent: 'operator',
      topic: 'system.started',
      payload: {
        pid: process.pid,
        runId,
        dataPath: config.dataPath,
        config: config.source ?? null,
        deciders,
        symbols: session.symbols,
        resumed: resume.resumed,
        bar: resume.cursor,
      },
    });
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let stopped = false;
    const loadedSkills = skills;
    return {
      store,
      bus,
      router,
      skills: loadedSkills,
      session,
      resume,
      deciders,
      run(onStatus) {
        const tick = async () => {
          if (stopped || session.finished) return;
          const started = Date.now();
          try {
            onStatus(await session.step());
          } catch (error) {
            logger.error({ err: (error as Error).message }, 'bar step failed; the next bar tries again');
          }
          if (stopped) return;
          const wait = Math.max(0, config.schedule.barIntervalMs - (Date.now() - started));
          timer = setTimeout(() => {
            running = tick();
          }, wait);
        };
        running = tick();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        if (timer) clearTimeout(timer);
        await running;
        heartbeat.stop();
        loadedSkills.close();
        await bus
          .publish({
            fromAgent: 'brain',
            toAgent: 'operator',
            topic: 'system.stopped',
            payload: { pid: process.pid },
          })
          .catch(() => {});
        await bus.stop();
        await store.close();
      },
    };
  } catch (error) {
    skills?.close();
    await bus.stop();
    await store.close();
    throw error;
  }
}
