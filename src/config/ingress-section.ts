import { z } from 'zod';

/**
 * The brain's HTTP server: operator API, event stream, console, MT5 EA endpoints.
 * Loopback by default; binding elsewhere is a deliberate choice in signet.yaml.
 */
export const ingressSectionSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().min(1).default('127.0.0.1'),
    /** 0 picks any free port (tests). */
    port: z.number().int().min(0).max(65535).default(8787),
    /** Largest request body in bytes (larger → 413). */
    bodyLimit: z
      .number()
      .int()
      .min(1_024)
      .max(10 * 1024 * 1024)
      .default(64 * 1024),
    /** Failed authentications per client address per minute before 429. */
    authFailuresPerMinute: z.number().int().min(1).max(10_000).default(20),
    /**
     * Folder of `signet backtest --report` output served read-only under /reports/; default:
     * `<paths.contextDir>/reports/backtests`, where `--report` without a folder writes.
     */
    reportsDir: z.string().min(1).optional(),
  })
  .strict();

export type IngressSection = z.infer<typeof ingressSectionSchema>;
