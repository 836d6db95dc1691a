import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { HybridSessionStore, HybridSessionStoreConfig, JsonValue } from "../store";
import { DEFAULT_BODY_LIMIT_BYTES, type LogLevel } from "./config";
import { HealthProbe } from "./health";
import {
  type HttpError,
  methodNotAllowed,
  notFound,
  routeNotFound,
  toHttpError,
} from "./httpErrors";
import { METRICS_CONTENT_TYPE, prometheusText } from "./metrics";

export interface ServiceOptions {
  /** The configuration the store was built from; the health probes reach the same servers. */
  storeConfig: HybridSessionStoreConfig;
  /** Largest request body accepted, in bytes. Default: 524288 (512 KiB). */
  bodyLimitBytes?: number;
  /** Request log level; "silent" (the default) logs nothing. */
  logLevel?: LogLevel;
  /** Deadline of each health probe in milliseconds. Default: 400. */
  healthProbeTimeoutMs?: number;
  /** Close the store when the service closes (after in-flight requests finish). Default: false. */
  closeStoreOnClose?: boolean;
}

const idParams = {
  type: "object",
  properties: { id: { type: "string" } },
  required: ["id"],
} as const;

/** Any JSON value, including null; the store checks what JSON itself cannot (e.g. 1e400). */
const anyJson = {};
const ttlSeconds = { type: "integer" } as const;

const createBody = {
  type: "object",
  // `id` is only typed here: the store validates its form, as it does every id.
  properties: { data: anyJson, ttlSeconds, id: { type: "string" } },
  required: ["data"],
  additionalProperties: false,
} as const;

const updateBody = {
  type: "object",
  properties: { data: anyJson },
  required: ["data"],
  additionalProperties: false,
} as const;

const touchBody = {
  type: "object",
  properties: { ttlSeconds },
  additionalProperties: false,
} as const;

interface IdParams {
  id: string;
}

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] as const;

function send(reply: { code(n: number): { send(b: unknown): unknown } }, e: HttpError): unknown {
  return reply.code(e.status).send(e.body);
}

/**
 * The session service over `store`: routes, validation, error mapping, /health, /stats and
 * /metrics. Returns the Fastify instance (not yet listening) so that tests can `inject()`.
 */
export function buildService(store: HybridSessionStore, options: ServiceOptions): FastifyInstance {
  const logger: FastifyServerOptions["logger"] =
    (options.logLevel ?? "silent") === "silent" ? false : { level: options.logLevel };
  const app = Fastify({
    logger,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // The body is data: never coerce types or drop fields behind the caller's back.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
  });
  // JSON only: a text/plain body is 415, not a string that fails validation.
  app.removeContentTypeParser("text/plain");
  const health = new HealthProbe(options.storeConfig, {
    timeoutMs: options.healthProbeTimeoutMs,
  });
  app.addHook("onClose", async () => {
    health.close();
    if (options.closeStoreOnClose) await store.close();
  });

  app.setErrorHandler((error, request, reply) => {
    const mapped = toHttpError(error);
    if (mapped.status >= 500) request.log.error({ err: error }, "request failed");
    return send(reply, mapped);
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, routeNotFound(request.method, request.url)),
  );

  /** Methods each path answers; every other method gets 405 with an Allow header. */
  const allowed = new Map<string, Set<string>>();
  app.addHook("onRoute", (route) => {
    if ((route.config as { methodNotAllowed?: boolean } | undefined)?.methodNotAllowed) return;
    const methods = allowed.get(route.url) ?? new Set<string>();
    for (const m of [route.method].flat()) methods.add(m);
    allowed.set(route.url, methods);
  });

  app.post<{ Body: { data: JsonValue; ttlSeconds?: number; id?: string } }>(
    "/sessions",
    { schema: { body: createBody } },
    async (request, reply) => {
      const { data, ttlSeconds, id } = request.body;
      const session = await store.create(data, {
        ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
        ...(id === undefined ? {} : { sessionId: id }),
      });
      return reply.code(201).header("location", `/sessions/${session.id}`).send(session);
    },
  );

  app.get<{ Params: IdParams }>(
    "/sessions/:id",
    { schema: { params: idParams } },
    async (request, reply) => {
      const session = await store.get(request.params.id);
      if (!session) return send(reply, notFound("no such session, or it has expired"));
      return session;
    },
  );

  app.put<{ Params: IdParams; Body: { data: JsonValue } }>(
    "/sessions/:id",
    { schema: { params: idParams, body: updateBody } },
    async (request) => store.update(request.params.id, request.body.data),
  );

  app.delete<{ Params: IdParams }>(
    "/sessions/:id",
    { schema: { params: idParams } },
    async (request, reply) => {
      const deleted = await store.delete(request.params.id);
      if (!deleted) return send(reply, notFound("no such session, or it has expired"));
      return reply.code(204).send();
    },
  );

  app.post<{ Params: IdParams; Body: { ttlSeconds?: number } }>(
    "/sessions/:id/touch",
    {
      schema: { params: idParams, body: touchBody },
      // An empty body means "extend by the default TTL".
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const session = await store.touch(request.params.id, request.body.ttlSeconds);
      if (!session) return send(reply, notFound("no such session, or it has expired"));
      return session;
    },
  );

  app.get("/health", async (_request, reply) => {
    const report = await health.check();
    return reply.code(report.status === "down" ? 503 : 200).send(report);
  });

  app.get("/stats", async () => store.stats());

  app.get("/metrics", async (_request, reply) =>
    reply.type(METRICS_CONTENT_TYPE).send(prometheusText(store.stats())),
  );

  // Declared last, once every route above has been seen by the onRoute hook.
  for (const [url, methods] of allowed) {
    const allow = HTTP_METHODS.filter((m) => methods.has(m));
    const others = HTTP_METHODS.filter((m) => !methods.has(m));
    app.route({
      method: others,
      url,
      config: { methodNotAllowed: true },
      // Answered before the body is read: a body sent with the wrong method is never parsed.
      onRequest: async (request, reply) =>
        send(reply.header("allow", allow.join(", ")), methodNotAllowed(request.method, allow)),
      handler: async () => undefined,
    });
  }

  return app;
}
