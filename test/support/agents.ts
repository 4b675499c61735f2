import type { AgentRuntime } from '../../src/agents/index.ts';
import { llmSectionSchema } from '../../src/config/index.ts';
import { LlmRouter, type Route } from '../../src/llm/index.ts';
import { silentLogger } from '../../src/logging/index.ts';
import {
  loadPhilosophy,
  SkillRegistry,
  shippedPhilosophyFile,
  shippedSkillsDir,
} from '../../src/skills/index.ts';
import type { Queryable } from '../../src/store/index.ts';

/** The agents with the shipped skills and philosophy, their LLM answered by the given routes (usually one scripted route). */
export async function scriptedAgents(store: Queryable, routes: Route[]): Promise<AgentRuntime> {
  const logger = silentLogger();
  return {
    skills: await SkillRegistry.load({ dir: shippedSkillsDir(), logger }),
    llm: new LlmRouter({ section: llmSectionSchema.parse({}), store, logger, routes }),
    philosophy: await loadPhilosophy(shippedPhilosophyFile()),
    logger,
  };
}
