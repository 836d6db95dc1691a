import type { IncomingMessage, ServerResponse } from "node:http";
import { messageOf } from "../common/messageOf";
import { isApiError, toxicNotFound } from "./ApiError";
import { parseBody } from "./JsonBody";
import type { ProxyCollection } from "./ProxyCollection";
import { decodeProxyInput } from "./ProxyInput";

/** The release of Toxiproxy whose API this server speaks. */
export const TOXIPROXY_VERSION = "2.12.0";

interface Request {
  /** The `{proxy}` of the path, or "" on routes without one. */
  proxy: string;
  /** The `{toxic}` of the path, or "". */
  toxic: string;
  body: string;
}

interface Response {
  status: number;
  /** Sent as JSON; without it the response has no body. */
  json?: unknown;
}

type Handler = (request: Request) => Promise<Response> | Response;

interface Route {
  /** Fixed segments, and null where the proxy's then the toxic's name goes. */
  segments: ReadonlyArray<string | null>;
  methods: Readonly<Record<string, Handler>>;
}

/**
 * Toxiproxy 2.x's HTTP API (api.go): same paths, methods, JSON, status codes and error bodies.
 * Requests run one at a time, so that no two change the same proxy at once.
 */
export class HttpApi {
  private readonly routes: readonly Route[];
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly proxies: ProxyCollection) {
    // Updates take POST as well as PATCH: Toxiproxy still accepts POST from older clients, and
    // toxiproxy-node-client updates proxies and toxics with POST.
    const updateProxy: Handler = (request) => this.updateProxy(request);
    const updateToxic: Handler = (request) => this.updateToxic(request);
    this.routes = [
      { segments: ["version"], methods: { GET: () => ({ status: 200 }) } },
      { segments: ["reset"], methods: { POST: () => this.reset() } },
      {
        segments: ["proxies"],
        methods: { GET: () => this.listProxies(), POST: (request) => this.createProxy(request) },
      },
      { segments: ["populate"], methods: { POST: (request) => this.populate(request) } },
      {
        segments: ["proxies", null],
        methods: {
          GET: ({ proxy }) => ({ status: 200, json: this.proxies.get(proxy) }),
          POST: updateProxy,
          PATCH: updateProxy,
          DELETE: (request) => this.deleteProxy(request),
        },
      },
      {
        segments: ["proxies", null, "toxics"],
        methods: {
          GET: ({ proxy }) => ({ status: 200, json: this.proxies.get(proxy).toxics.list() }),
          POST: (request) => this.createToxic(request),
        },
      },
      {
        segments: ["proxies", null, "toxics", null],
        methods: {
          GET: (request) => this.showToxic(request),
          POST: updateToxic,
          PATCH: updateToxic,
          DELETE: ({ proxy, toxic }) => {
            this.proxies.get(proxy).toxics.remove(toxic);
            return { status: 204 };
          },
        },
      },
    ];
  }

  /** Resolves once every request received so far has been answered. */
  async settled(): Promise<void> {
    await this.queue;
  }

  /** The request listener for node:http. */
  readonly listener = (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      this.queue = this.queue.then(() => this.serve(request, body, response));
    });
  };

  private async serve(
    request: IncomingMessage,
    body: string,
    response: ServerResponse,
  ): Promise<void> {
    // Toxiproxy refuses browsers, so that no web page can drive it (cross-site requests).
    if (request.headers["user-agent"]?.startsWith("Mozilla/")) {
      sendText(response, 403, "User agent not allowed\n");
      return;
    }
    const segments = pathSegments(request.url ?? "/");
    const match = segments && this.match(segments);
    if (!match) {
      sendText(response, 404, "404 page not found\n");
      return;
    }
    if (match.route.segments[0] === "version" && request.method === "GET") {
      response.writeHead(200, { "Content-Type": "application/json;charset=utf-8" });
      response.end(`{"version": "${TOXIPROXY_VERSION}"}\n`);
      return;
    }
    const handler = match.route.methods[request.method ?? ""];
    if (handler === undefined) {
      // Gorilla mux answers a known path asked with another method so: 405, no body.
      response.writeHead(405).end();
      return;
    }
    try {
      const { status, json } = await handler({ ...match.names, body });
      if (json === undefined) {
        response.writeHead(status).end();
        return;
      }
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(json));
    } catch (error) {
      sendError(response, error);
    }
  }

  private match(
    segments: readonly string[],
  ): { route: Route; names: { proxy: string; toxic: string } } | undefined {
    for (const route of this.routes) {
      if (route.segments.length !== segments.length) continue;
      const names: string[] = [];
      const matches = route.segments.every((fixed, i) => {
        const segment = segments[i] ?? "";
        if (fixed !== null) return segment === fixed;
        names.push(segment);
        return segment !== "";
      });
      if (matches) return { route, names: { proxy: names[0] ?? "", toxic: names[1] ?? "" } };
    }
    return undefined;
  }

  private async reset(): Promise<Response> {
    await this.proxies.reset();
    return { status: 204 };
  }

  private listProxies(): Response {
    const byName = Object.fromEntries(this.proxies.all().map((proxy) => [proxy.name, proxy]));
    return { status: 200, json: byName };
  }

  private async createProxy({ body }: Request): Promise<Response> {
    const defaults = { name: "", listen: "", upstream: "", enabled: true };
    const proxy = await this.proxies.create(decodeProxyInput(parseBody(body), defaults));
    return { status: 201, json: proxy };
  }

  private async populate({ body }: Request): Promise<Response> {
    const { proxies, error } = await this.proxies.populate(parseBody(body));
    // Go marshals an empty result list as null.
    const listed = { proxies: proxies.length === 0 ? null : proxies };
    if (error === undefined) return { status: 201, json: listed };
    const failure = errorBody(error);
    return { status: failure.status, json: { ...failure, ...listed } };
  }

  private async updateProxy({ proxy: name, body }: Request): Promise<Response> {
    const proxy = this.proxies.get(name);
    const { listen, upstream, enabled } = proxy;
    await proxy.update(decodeProxyInput(parseBody(body), { name, listen, upstream, enabled }));
    return { status: 200, json: proxy };
  }

  private async deleteProxy({ proxy }: Request): Promise<Response> {
    await this.proxies.remove(proxy);
    return { status: 204 };
  }

  private createToxic({ proxy, body }: Request): Response {
    const toxics = this.proxies.get(proxy).toxics;
    // Toxiproxy answers a new toxic with 200, not 201.
    return { status: 200, json: toxics.create(parseBody(body)) };
  }

  private showToxic({ proxy, toxic: name }: Request): Response {
    const toxic = this.proxies.get(proxy).toxics.get(name);
    if (toxic === undefined) throw toxicNotFound();
    return { status: 200, json: toxic };
  }

  private updateToxic({ proxy, toxic: name, body }: Request): Response {
    const toxics = this.proxies.get(proxy).toxics;
    // An unknown toxic is a 404 whatever the body, as Toxiproxy looks it up before reading.
    if (toxics.get(name) === undefined) throw toxicNotFound();
    return { status: 200, json: toxics.update(name, parseBody(body)) };
  }
}

/** The decoded path segments, or undefined for a path that cannot be decoded. */
function pathSegments(url: string): string[] | undefined {
  const path = url.split("?")[0] ?? "";
  try {
    return path.split("/").slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** An error's body; errors not of the API's own (bugs) are 500s, as in Toxiproxy. */
function errorBody(error: unknown): { error: string; status: number } {
  if (isApiError(error)) return error.toJSON();
  return { error: messageOf(error), status: 500 };
}

/** Go's http.Error: the JSON error as plain text, followed by a newline. */
function sendError(response: ServerResponse, error: unknown): void {
  const body = errorBody(error);
  sendText(response, body.status, `${JSON.stringify(body)}\n`);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
  });
  response.end(text);
}
