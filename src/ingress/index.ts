export { AuthFailureLimiter, bearerMatches } from './auth.ts';
export type { IngressDeps, MarketView } from './deps.ts';
export { listReportFiles, readInside, resolveInside } from './files.ts';
export { simMarketView } from './market-view.ts';
export { openApiDocument } from './openapi.ts';
export {
  createIngressApp,
  defaultConsoleDir,
  type Ingress,
  type IngressAppOptions,
  IngressConfigError,
  isLoopback,
  operatorApiDisabledReason,
  startIngress,
} from './server.ts';
