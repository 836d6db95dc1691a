import fastifyCookie from "@fastify/cookie";
import fastifySession from "@fastify/session";
import Fastify, { type FastifyInstance } from "fastify";
import { FastifySessionStore, type HybridSessionStore, isSessionStoreError } from "../../../store";

declare module "fastify" {
  interface Session {
    user?: string;
    cart?: number[];
  }
}

export const FASTIFY_SECRET = "a secret of at least 32 characters, for the adapter tests only";

/** A Fastify app with sessions in the hybrid store: log in, read, change, log out. */
export async function fastifyApp(
  store: HybridSessionStore,
  maxAgeMs: number,
): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    store: new FastifySessionStore(store),
    secret: FASTIFY_SECRET,
    saveUninitialized: false,
    cookie: { maxAge: maxAgeMs, secure: false },
  });

  app.post<{ Body: { user: string } }>("/login", async (request) => {
    // A new id at login, so an id handed out before it is worth nothing after.
    await request.session.regenerate();
    request.session.user = String(request.body.user);
    request.session.cart = [];
    return { user: request.session.user };
  });
  app.get("/me", async (request, reply) => {
    if (!request.session.user) return reply.status(401).send({ error: "not logged in" });
    return { user: request.session.user, cart: request.session.cart };
  });
  app.post<{ Body: { item: number } }>("/cart", async (request, reply) => {
    if (!request.session.user) return reply.status(401).send({ error: "not logged in" });
    request.session.cart = [...(request.session.cart ?? []), Number(request.body.item)];
    return { cart: request.session.cart };
  });
  app.post("/logout", async (request) => {
    await request.session.destroy();
    return { ok: true };
  });

  app.setErrorHandler((error, _request, reply) => {
    void reply.status(500).send({ error: isSessionStoreError(error) ? error.code : String(error) });
  });
  return app;
}
