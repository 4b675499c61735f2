import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AgentRuntime } from '../agents/index.ts';
import type { Bus } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { SignetError } from '../errors/index.ts';
import { createLlmRouter, type LlmRouter } from '../llm/index.ts';
import type { Logger } from '../logging/index.ts';
import { loadPhilosophy, SkillRegistry, shippedPhilosophyFile, shippedSkillsDir } from '../skills/index.ts';
import type { Store } from '../store/index.ts';

export interface LoadedAgents {
  agents: AgentRuntime;
  skills: SkillRegistry;
  router: LlmRouter;
  /** What answers the agents: the configured routes, or the deterministic fallbacks. */
  deciders: string;
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
  deps: { store: Store; bus: Bus; logger: Logger; watch: boolean; llm: boolean },
): Promise<LoadedAgents> {
  const { store, bus, logger } = deps;
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
    const section = deps.llm ? config.llm : { ...config.llm, routes: [] };
    const router = createLlmRouter({ section, secrets: config.secrets.llm, store, logger, bus });
    const deciders = router.configured
      ? `LLM routes ${router
          .routes()
          .map((route) => `${route.name} (${route.model})`)
          .join(', ')}`
      : deps.llm
        ? 'no LLM route configured: every agent uses its deterministic fallback'
        : 'no LLM asked: every agent uses its deterministic fallback';
    return { agents: { skills, llm: router, philosophy, logger }, skills, router, deciders };
  } catch (error) {
    skills.close();
    throw error;
  }
}
