import type { FastifyInstance } from "fastify";
import { ServiceClient } from "../../lab/ServiceClient";
import { buildService, type ServiceOptions } from "../../service/buildService";
import {
  assertJsonData,
  assertSessionId,
  assertTtl,
  type CreateOptions,
  type HybridSessionStore,
  type JsonValue,
  type Session,
  type StatsSnapshot,
} from "../../store";
import type { SessionDriver } from "./SessionDriver";

/**
 * The session store as a client of its HTTP service sees it: every operation is a request to a
 * service built in this process over `store`, listening on a free port of 127.0.0.1, through the
 * same ServiceClient the campaigns use. Error responses become `RemoteStoreError`s carrying the
 * service's `code`.
 */
export class HttpDriver implements SessionDriver {
  private readonly client: ServiceClient;

  private constructor(
    private readonly service: FastifyInstance,
    private readonly store: HybridSessionStore,
    /** Where the service listens, e.g. "http://127.0.0.1:40123". */
    readonly baseUrl: string,
  ) {
    this.client = new ServiceClient(baseUrl);
  }

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

  create<T extends JsonValue>(data: T, options: CreateOptions = {}): Promise<Session<T>> {
    // What JSON cannot carry never reaches the wire: checked as the store would, in its order.
    if (options.ttlSeconds !== undefined) assertTtl(options.ttlSeconds);
    if (options.sessionId !== undefined) assertSessionId(options.sessionId);
    assertJsonData(data);
    return this.client.create(data, options);
  }

  get(id: string): Promise<Session | null> {
    return this.client.get(id);
  }

  update<T extends JsonValue>(id: string, data: T): Promise<Session<T>> {
    assertJsonData(data);
    return this.client.update(id, data);
  }

  touch(id: string, ttlSeconds?: number): Promise<Session | null> {
    if (ttlSeconds !== undefined) assertTtl(ttlSeconds);
    return this.client.touch(id, ttlSeconds);
  }

  delete(id: string): Promise<boolean> {
    return this.client.delete(id);
  }

  stats(): Promise<StatsSnapshot> {
    return this.client.stats();
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
}
