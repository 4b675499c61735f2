export {
  type Challenger,
  challengerId,
  challengersDir,
  loadChallengers,
  shadowAgentName,
} from './challengers.ts';
export { SkillInputError, SkillInvalidError, SkillNotFoundError } from './errors.ts';
export { type ConvertedSchema, convertJsonSchema, type JsonSchemaObject } from './json-schema.ts';
export {
  hashSkillText,
  loadSkillFile,
  parseSkill,
  requiredSections,
  type Skill,
  type SkillFrontMatter,
  skillFrontMatterSchema,
} from './parse.ts';
export { loadPhilosophy } from './philosophy.ts';
export { promotionDiff, unifiedDiff } from './promote.ts';
export {
  type ScanResult,
  type SkillEvent,
  type SkillProblem,
  SkillRegistry,
  type SkillRegistryOptions,
  scanSkillsDir,
  skillFileName,
} from './registry.ts';
export {
  type BuildRequestOptions,
  buildLlmRequest,
  composeSystem,
  formatNumber,
  type LlmRequest,
  renderInputs,
  stableJson,
} from './render.ts';
export { shippedPhilosophyFile, shippedSkillsDir } from './shipped.ts';
export { validateInputs } from './validate-inputs.ts';
