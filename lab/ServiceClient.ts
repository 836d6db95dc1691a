import type { CreateOptions, JsonValue, Session, StatsSnapshot } from "../store";
import { NoAnswerError, RemoteStoreError } from "./RemoteStoreError";

export interface ServiceClientOptions {
  /** Milliseconds a request may take before it counts as unanswered. Default: 3000. */
  timeoutMs?: number;
}

/**
 * A client of one session service (`/sessions` over HTTP): the store as an application reaches it.
 * An error answer becomes a RemoteStoreError with the service's code; no answer at all (timeout,
 * reset, a server that died) becomes a NoAnswerError, since the request may have been applied.
 */
export class ServiceClient {
  private readonly timeoutMs: number;

  /** `baseUrl`: e.g. "http://127.0.0.1:23000". */
  constructor(
    readonly baseUrl: string,
    options: ServiceClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  async create<T extends JsonValue>(data: T, options: CreateOptions = {}): Promise<Session<T>> {
    const body = { data, ttlSeconds: options.ttlSeconds, id: options.sessionId };
    return (await this.answer(await this.request("POST", "/sessions", body))) as Session<T>;
  }

  async get(id: string): Promise<Session | null> {
    const response = await this.request("GET", this.pathOf(id));
    return response.status === 404
      ? this.absent(response)
      : ((await this.answer(response)) as Session);
  }

  async update<T extends JsonValue>(id: string, data: T): Promise<Session<T>> {
    const response = await this.request("PUT", this.pathOf(id), { data });
    return (await this.answer(response)) as Session<T>;
  }

  async touch(id: string, ttlSeconds?: number): Promise<Session | null> {
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
   * The URL path of a session, its id percent-encoded so that `/`, `?` or `#` stay inside it.
   * `.` and `..` would be resolved away as path segments by any URL parser: refused here as the
   * store refuses every malformed id.
   */
  private pathOf(id: string): string {
    if (id === "" || id === "." || id === "..") {
      throw new RemoteStoreError(400, "INVALID_SESSION_ID", `"${id}" is not a session id`);
    }
    return `/sessions/${encodeURIComponent(id)}`;
  }

  private async request(
    method: string,
    path: string,
    body?: Record<string, unknown>,
  ): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body === undefined
          ? {}
          : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new NoAnswerError(`${method} ${path} at ${this.baseUrl}: no answer`, { cause: error });
    }
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
    try {
      return await response.json();
    } catch (error) {
      throw new NoAnswerError(`the answer from ${this.baseUrl} broke off`, { cause: error });
    }
  }

  private async errorOf(response: Response): Promise<RemoteStoreError> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new NoAnswerError(`the answer from ${this.baseUrl} broke off`, { cause: error });
    }
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
