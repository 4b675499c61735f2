export { maskDatabaseUrl } from './database-url.ts';
export * from './broker-section.ts';
export * from './llm-section.ts';
export { type Config, describeIssues, type LoadConfigOptions, loadConfig, type Secrets } from './load.ts';
export {
  type BusSection,
  busSectionSchema,
  type ConfigFile,
  configFileSchema,
  type DatabaseSection,
  databaseSectionSchema,
} from './schema.ts';
export { Secret } from './secret.ts';
