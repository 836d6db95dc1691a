import type { FastifyInstance } from "fastify";
import { buildService, type ServiceOptions } from "../../service/buildService";
import type {
  CreateOptions,
  HybridSessionStore,
  JsonValue,
  Session,
  StatsSnapshot,
} from "../../store";
import { assertSessionId } from "../../store/SessionId";
import { assertJsonData, assertTtl } from "../../store/SessionRecord";
import { RemoteStoreError } from "./RemoteStoreError";
import type { SessionDriver } from "./SessionDriver";

/**
 * The session store as a client of its HTTP service sees it: every operation is a request to a
 * service built in this process over `store`, listening on a free port of 127.0.0.1. Error
 * responses become `RemoteStoreError`s carrying the service's `code`.
 */
export class HttpDriver implements SessionDriver {
  private constructor(
    private readonly service: FastifyInstance,
    private readonly store: HybridSessionStore,
    /** Where the service listens, e.g. "http://127.0.0.1:40123". */
    readonly baseUrl: string,
  ) {}

  /** Builds the service over `store` and starts it listening; `close()` stops it (not the store). */
  static async start(store: HybridSessionStore, options: ServiceOptions): Promise<HttpDriver> {
    const service = buildService(store, { ...options, closeStoreOnClose: false });
    try {
      const address = await service.listen({ port: 0, host: "127.0.0.1" });
      return new HttpDriver(service, store, address);
    } catch (error) {
      await service.close();
      throw error;
    }
  }

  async create<T extends JsonValue>(data: T, options: CreateOptions = {}): Promise<Session<T>> {
    // What JSON cannot carry never reaches the wire: checked as the store would, in its order.
    if (options.ttlSeconds !== undefined) assertTtl(options.ttlSeconds);
    if (options.sessionId !== undefined) assertSessionId(options.sessionId);
    assertJsonData(data);
    const response = await this.request("POST", "/sessions", {
      data,
      ttlSeconds: options.ttlSeconds,
    });
    const session = (await this.answer(response)) as Session<T>;
    if (options.sessionId !== undefined && session.id !== options.sessionId) {
      // The service always issues the id itself: undo the create rather than pass it off as asked.
      await this.delete(session.id);
      throw new Error(
        `the session service cannot create a session under a chosen id (${options.sessionId})`,
      );
    }
    return session;
  }

  async get(id: string): Promise<Session | null> {
    const response = await this.request("GET", this.pathOf(id));
    return response.status === 404
      ? this.absent(response)
      : ((await this.answer(response)) as Session);
  }

  async update<T extends JsonValue>(id: string, data: T): Promise<Session<T>> {
    assertJsonData(data);
    const response = await this.request("PUT", this.pathOf(id), { data });
    return (await this.answer(response)) as Session<T>;
  }

  async touch(id: string, ttlSeconds?: number): Promise<Session | null> {
    if (ttlSeconds !== undefined) assertTtl(ttlSeconds);
    const response = await this.request("POST", `${this.pathOf(id)}/touch`, { ttlSeconds });
    return response.status === 404
      ? this.absent(response)
      : ((await this.answer(response)) as Session);
  }

  async delete(id: string): Promise<boolean> {
    const response = await this.request("DELETE", this.pathOf(id));
    if (response.status === 404) {
      await this.absent(response);
      return false;
    }
    await this.answer(response);
    return true;
  }

  async stats(): Promise<StatsSnapshot> {
    return (await this.answer(await this.request("GET", "/stats"))) as StatsSnapshot;
  }

  /**
   * The service has no route for this (a client of it would simply retry later); the store behind
   * it runs in this process, so a scenario that must wait for healing asks the store directly.
   */
  settle(): Promise<boolean> {
    return this.store.settle();
  }

  /** Stops the service after its in-flight requests; the store stays open for its owner to close. */
  async close(): Promise<void> {
    await this.service.close();
  }

  /**
   * The URL path of a session, its id percent-encoded so that `/`, `?` or `#` stay inside it.
   * `.` and `..` would still be resolved away as path segments by any URL parser, so no request can
   * carry them: those are rejected here, with the store's own check.
   */
  private pathOf(id: string): string {
    if (id === "" || id === "." || id === "..") assertSessionId(id);
    return `/sessions/${encodeURIComponent(id)}`;
  }

  private request(method: string, path: string, body?: Record<string, unknown>): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
  }

  /** A 404 that means "no such session" is null; any other 404 (a route miss) is an error. */
  private async absent(response: Response): Promise<null> {
    const error = await this.errorOf(response);
    if (error.code === "SESSION_NOT_FOUND") return null;
    throw error;
  }

  /** The body of a successful response (undefined when there is none), else the error it carries. */
  private async answer(response: Response): Promise<unknown> {
    if (!response.ok) throw await this.errorOf(response);
    if (response.status === 204) return undefined;
    return response.json();
  }

  private async errorOf(response: Response): Promise<RemoteStoreError> {
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (typeof error?.code === "string" && typeof error.message === "string") {
      return new RemoteStoreError(response.status, error.code, error.message);
    }
    return new RemoteStoreError(
      response.status,
      `HTTP_${response.status}`,
      `the service answered ${response.status} without an error body: ${text.slice(0, 200)}`,
    );
  }
}
