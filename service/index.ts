/**
 * The session service: the hybrid session store over HTTP (Fastify), with /health, /stats and
 * /metrics. `scripts/serve.ts` is its entry point; tests build it with `buildService` and `inject()`.
 */
export { buildService, type ServiceOptions } from "./buildService";
export {
  ConfigError,
  loadServiceConfig,
  loadStoreTarget,
  type ServiceConfig,
  type StoreTarget,
} from "./config";
export { HealthProbe, type HealthReport, type StoreHealth } from "./health";
export { type ErrorBody, toHttpError } from "./httpErrors";
export { METRICS_CONTENT_TYPE, prometheusText } from "./metrics";
export { type RunningService, startService } from "./startService";
