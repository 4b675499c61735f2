import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AgentRuntime } from '../agents/index.ts';
import type { Bus } from '../bus/index.ts';
import type { Config } from '../config/index.ts';
import { createLlmRouter } from '../llm/index.ts';
import type { Logger } from '../logging/index.ts';
import { loadPhilosophy, SkillRegistry, shippedPhilosophyFile, shippedSkillsDir } from '../skills/index.ts';
import type { Store } from '../store/index.ts';

/**
 * The agent runtime for reflections when the optimizer runs outside the brain (the CLI): the
 * configured LLM routes and skills, no hot reload. Undefined when no route is configured, so the
 * reflections are written by code. The brain passes its own runtime instead.
 */
export async function reflectionRuntime(options: {
  config: Config;
  store: Store;
  bus: Bus;
  logger: Logger;
}): Promise<{ agents: AgentRuntime | undefined; close(): Promise<void> }> {
  const { config, store, bus, logger } = options;
  const router = createLlmRouter({ section: config.llm, secrets: config.secrets.llm, store, logger, bus });
  if (!router.configured) return { agents: undefined, close: async () => {} };
  const dir = config.paths.skillsDir ? path.resolve(config.paths.skillsDir) : shippedSkillsDir();
  const skills = await SkillRegistry.load({ dir, logger });
  const local = path.resolve(config.paths.contextDir, 'philosophy.md');
  const philosophyFile = config.paths.philosophyFile
    ? path.resolve(config.paths.philosophyFile)
    : existsSync(local)
      ? local
      : shippedPhilosophyFile();
  const philosophy = await loadPhilosophy(philosophyFile);
  return {
    agents: { skills, llm: router, philosophy, logger },
    // The cost rows of the reflection's calls are in the table before the store closes.
    async close() {
      await router
        .settle()
        .catch((error: unknown) => logger.error({ err: error }, 'LLM cost ledger rows lost at shutdown'));
      skills.close();
    },
  };
}
