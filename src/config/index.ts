export {
  type CeoSection,
  ceoSectionSchema,
  type MacroSection,
  macroSectionSchema,
} from './agents-section.ts';
export * from './broker-section.ts';
export {
  type CliRouteKind,
  cliEnvironment,
  isWithheldEnvName,
  processCliEnvironment,
} from './cli-environment.ts';
export { maskDatabaseUrl } from './database-url.ts';
export { exampleConfig } from './example.ts';
export { type IngressSection, ingressSectionSchema } from './ingress-section.ts';
export * from './llm-section.ts';
export {
  backtestReportsPath,
  type Config,
  describeIssues,
  type LoadConfigOptions,
  loadConfig,
  type Secrets,
  tokenOf,
} from './load.ts';
export {
  type MonitorSection,
  monitorSectionSchema,
  type StopManagement,
  stopManagementSchema,
} from './monitor-section.ts';
export {
  type FeedSection,
  feedSectionSchema,
  type PaperSection,
  type PathsSection,
  type PipelineSection,
  paperSectionSchema,
  pathsSectionSchema,
  pipelineSectionSchema,
  type RiskSection,
  riskSectionSchema,
  type ScheduleSection,
  type StrategistSection,
  scheduleSectionSchema,
  strategistSectionSchema,
  type WatchdogSection,
  watchdogSectionSchema,
} from './runtime-section.ts';
export {
  type BusSection,
  busSectionSchema,
  type ConfigFile,
  configFileSchema,
  type DatabaseSection,
  databaseSectionSchema,
  type EvaluateSection,
  evaluateSectionSchema,
} from './schema.ts';
export { checkTokenLength, minimumTokenLength, Secret } from './secret.ts';
export {
  type ServiceRole,
  type ServiceVariable,
  serviceDatabase,
  serviceEnvironment,
} from './service-environment.ts';
export {
  type NotifyMode,
  notifyModes,
  type TelegramSection,
  telegramSectionSchema,
} from './telegram-section.ts';
