import { z } from 'zod';
import { ceoSectionSchema, macroSectionSchema } from './agents-section.ts';
import { brokerSectionSchema } from './broker-section.ts';
import { ingressSectionSchema } from './ingress-section.ts';
import { llmSectionSchema } from './llm-section.ts';
import { monitorSectionSchema } from './monitor-section.ts';
import {
  feedSectionSchema,
  paperSectionSchema,
  pathsSectionSchema,
  pipelineSectionSchema,
  riskSectionSchema,
  scheduleSectionSchema,
  strategistSectionSchema,
  watchdogSectionSchema,
} from './runtime-section.ts';
import { telegramSectionSchema } from './telegram-section.ts';

/**
 * The shape of `signet.yaml`. Each concern owns one section; every section has defaults so
 * an empty or missing file is a valid configuration (embedded database, sim feed, paper broker).
 * Secrets are never part of the file: they come from the environment (see load.ts).
 */
export const databaseSectionSchema = z
  .object({
    /** Folder of the embedded PostgreSQL cluster, relative to dataDir unless absolute. */
    embeddedDir: z.string().min(1).default('pg'),
    /** Preferred port of the embedded server; another free one is chosen if it is taken. */
    embeddedPort: z.number().int().min(1024).max(65535).default(54329),
    poolSize: z.number().int().min(2).max(200).default(10),
    /**
     * Connections the pool keeps open however long they go unused (default: poolSize, a pool of
     * fixed size). A live cycle comes a bar after the last; a connection closed meanwhile costs
     * the next cycle a new one (a backend's start, authentication, statements prepared again).
     */
    minimumConnections: z.number().int().min(0).max(200).optional(),
    /** How long a connection above minimumConnections may go unused before the pool closes it. */
    idleTimeoutMs: z.number().int().min(10).max(86_400_000).default(30_000),
    connectTimeoutMs: z.number().int().min(100).max(120_000).default(5_000),
    /**
     * Prepare statements sent again and again on the server, once per connection: less parsing
     * and planning per call. Turn off behind a pooler that cannot keep prepared statements
     * (PgBouncer before 1.21 in transaction mode).
     */
    preparedStatements: z.boolean().default(true),
  })
  .strict()
  .refine((section) => (section.minimumConnections ?? 0) <= section.poolSize, {
    path: ['minimumConnections'],
    message: 'database.minimumConnections is above database.poolSize: lower it, or raise poolSize',
  });

export const busSectionSchema = z
  .object({
    /** Safety-net poll: the most a lost notification can delay delivery. */
    pollIntervalMs: z.number().int().min(10).max(60_000).default(1_000),
    batchSize: z.number().int().min(1).max(10_000).default(500),
    /** Handler attempts before a message is parked for that consumer. */
    maxAttempts: z.number().int().min(1).max(100).default(5),
    retryBaseMs: z.number().int().min(1).max(60_000).default(100),
    retryMaxMs: z.number().int().min(1).max(600_000).default(30_000),
  })
  .strict();

/** `signet evaluate`: the most an evaluation may spend on LLM calls without `--yes`. */
export const evaluateSectionSchema = z
  .object({
    /** Estimated dollars above which `signet evaluate` refuses to start without --yes. */
    maxUsd: z.number().min(0).default(10),
  })
  .strict();

export const configFileSchema = z
  .object({
    /** Where Signet keeps its local state (embedded database, halt file, ...). */
    dataDir: z.string().min(1).default('.signet'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    database: databaseSectionSchema.default(databaseSectionSchema.parse({})),
    bus: busSectionSchema.default(busSectionSchema.parse({})),
    llm: llmSectionSchema.default(llmSectionSchema.parse({})),
    broker: brokerSectionSchema.default(brokerSectionSchema.parse({})),
    paths: pathsSectionSchema.default(pathsSectionSchema.parse({})),
    feed: feedSectionSchema.default(feedSectionSchema.parse({})),
    paper: paperSectionSchema.default(paperSectionSchema.parse({})),
    risk: riskSectionSchema.default(riskSectionSchema.parse({})),
    strategist: strategistSectionSchema.default(strategistSectionSchema.parse({})),
    pipeline: pipelineSectionSchema.default(pipelineSectionSchema.parse({})),
    macro: macroSectionSchema.default(macroSectionSchema.parse({})),
    ceo: ceoSectionSchema.default(ceoSectionSchema.parse({})),
    schedule: scheduleSectionSchema.default(scheduleSectionSchema.parse({})),
    watchdog: watchdogSectionSchema.default(watchdogSectionSchema.parse({})),
    ingress: ingressSectionSchema.default(ingressSectionSchema.parse({})),
    evaluate: evaluateSectionSchema.default(evaluateSectionSchema.parse({})),
    monitor: monitorSectionSchema.default(monitorSectionSchema.parse({})),
    telegram: telegramSectionSchema.default(telegramSectionSchema.parse({})),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
export type DatabaseSection = z.infer<typeof databaseSectionSchema>;
export type BusSection = z.infer<typeof busSectionSchema>;
export type EvaluateSection = z.infer<typeof evaluateSectionSchema>;
