import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { expect } from "chai";
import { eventually } from "../../common/eventually";
import { newSessionId, type Session } from "../../store";
import { errorCode, type ServiceUnderTest, serviceOver } from "./fixture";
import { closedPort, type LocalEnv, localEnv, withPorts } from "./localEnv";

const json = { "content-type": "application/json" };
const UNKNOWN_ID = "AAAAAAAAAAAAAAAAAAAAAAAA";

describe("session routes against the local environment", () => {
  let env: LocalEnv;
  let svc: ServiceUnderTest;

  before(async () => {
    env = await localEnv();
  });
  after(async () => {
    await env?.release();
  });
  beforeEach(async () => {
    svc = await serviceOver(env.description.storeConfig);
  });
  afterEach(async () => {
    await svc?.close();
  });

  async function create(body: unknown = { data: { user: "ada" } }): Promise<Session> {
    const res = await svc.app.inject({ method: "POST", url: "/sessions", payload: body as object });
    expect(res.statusCode, res.body).to.equal(201);
    return res.json() as Session;
  }

  it("POST /sessions creates a session: 201, its id, a Location, readable with GET", async () => {
    const res = await svc.app.inject({
      method: "POST",
      url: "/sessions",
      payload: { data: { user: "ada", roles: ["reader"] } },
    });
    expect(res.statusCode).to.equal(201);
    const created = res.json() as Session;
    expect(created.id).to.match(/^[A-Za-z0-9_-]{24}$/);
    expect(res.headers.location).to.equal(`/sessions/${created.id}`);
    expect(created).to.include({ version: 1 });
    const read = await svc.app.inject({ method: "GET", url: `/sessions/${created.id}` });
    expect(read.statusCode).to.equal(200);
    expect(read.json()).to.deep.include({
      id: created.id,
      data: { user: "ada", roles: ["reader"] },
      version: 1,
      source: "cache",
    });
  });

  it("POST /sessions accepts any JSON as data, and ttlSeconds sets the expiry", async () => {
    for (const data of [null, 42, "text", [1, { a: true }]]) {
      const created = await create({ data });
      expect(created.data).to.deep.equal(data);
    }
    const before = Math.floor(Date.now() / 1000);
    const short = await create({ data: { user: "ada" }, ttlSeconds: 90 });
    expect(short.expiresAt).to.be.within(before + 90, before + 92);
  });

  it("POST /sessions with a caller-chosen id creates it once; the id taken is 409 SESSION_EXISTS", async () => {
    const id = newSessionId();
    const created = await create({ data: { user: "ada" }, id });
    expect(created).to.include({ id, version: 1 });
    const again = await svc.app.inject({
      method: "POST",
      url: "/sessions",
      payload: { data: { user: "eve" }, id },
    });
    expect([again.statusCode, errorCode(again.body)]).to.deep.equal([409, "SESSION_EXISTS"]);
    const read = await svc.app.inject({ method: "GET", url: `/sessions/${id}` });
    expect(read.json()).to.deep.include({ id, data: { user: "ada" }, version: 1 });
    for (const [payload, code] of [
      [{ data: 1, id: "too-short" }, "INVALID_SESSION_ID"],
      [{ data: 1, id: 42 }, "VALIDATION_FAILED"],
    ] as const) {
      const res = await svc.app.inject({ method: "POST", url: "/sessions", payload });
      expect([res.statusCode, errorCode(res.body)], JSON.stringify(payload)).to.deep.equal([
        400,
        code,
      ]);
    }
  });

  it("PUT /sessions/:id replaces the data and keeps the expiry", async () => {
    const created = await create();
    const res = await svc.app.inject({
      method: "PUT",
      url: `/sessions/${created.id}`,
      payload: { data: { user: "ada", cart: [1, 2] } },
    });
    expect(res.statusCode, res.body).to.equal(200);
    expect(res.json()).to.deep.include({
      id: created.id,
      version: 2,
      data: { user: "ada", cart: [1, 2] },
      expiresAt: created.expiresAt,
    });
    const read = await svc.app.inject({ method: "GET", url: `/sessions/${created.id}` });
    expect(read.json()).to.deep.include({ version: 2, data: { user: "ada", cart: [1, 2] } });
  });

  it("POST /sessions/:id/touch extends the session, by ttlSeconds or the default", async () => {
    const created = await create({ data: { user: "ada" }, ttlSeconds: 60 });
    const touched = await svc.app.inject({
      method: "POST",
      url: `/sessions/${created.id}/touch`,
      payload: { ttlSeconds: 3600 },
    });
    expect(touched.statusCode, touched.body).to.equal(200);
    const now = Math.floor(Date.now() / 1000);
    expect((touched.json() as Session).expiresAt).to.be.within(now + 3599, now + 3601);
    const byDefault = await svc.app.inject({
      method: "POST",
      url: `/sessions/${created.id}/touch`,
    });
    expect(byDefault.statusCode, byDefault.body).to.equal(200);
    expect((byDefault.json() as Session).version).to.equal(3);
    expect((byDefault.json() as Session).expiresAt).to.be.within(now + 1799, now + 1801);
  });

  it("DELETE /sessions/:id answers 204, then 404 once nothing is left to delete", async () => {
    const created = await create();
    const deleted = await svc.app.inject({ method: "DELETE", url: `/sessions/${created.id}` });
    expect(deleted.statusCode).to.equal(204);
    expect(deleted.body).to.equal("");
    const read = await svc.app.inject({ method: "GET", url: `/sessions/${created.id}` });
    expect([read.statusCode, errorCode(read.body)]).to.deep.equal([404, "SESSION_NOT_FOUND"]);
    const again = await svc.app.inject({ method: "DELETE", url: `/sessions/${created.id}` });
    expect([again.statusCode, errorCode(again.body)]).to.deep.equal([404, "SESSION_NOT_FOUND"]);
  });

  it("an unknown session is 404 SESSION_NOT_FOUND on every route", async () => {
    const requests = [
      { method: "GET", url: `/sessions/${UNKNOWN_ID}` },
      { method: "PUT", url: `/sessions/${UNKNOWN_ID}`, payload: { data: 1 } },
      { method: "POST", url: `/sessions/${UNKNOWN_ID}/touch`, payload: { ttlSeconds: 60 } },
      { method: "DELETE", url: `/sessions/${UNKNOWN_ID}` },
    ] as const;
    for (const request of requests) {
      const res = await svc.app.inject(request);
      expect([request.method, res.statusCode, errorCode(res.body)]).to.deep.equal([
        request.method,
        404,
        "SESSION_NOT_FOUND",
      ]);
    }
  });

  it("an expired session is 404 SESSION_NOT_FOUND", async () => {
    const created = await create({ data: { user: "ada" }, ttlSeconds: 1 });
    await eventually(
      async () => {
        const res = await svc.app.inject({ method: "GET", url: `/sessions/${created.id}` });
        expect([res.statusCode, errorCode(res.body)]).to.deep.equal([404, "SESSION_NOT_FOUND"]);
      },
      { timeoutMs: 4000, intervalMs: 100, what: "the session to expire" },
    );
    const touch = await svc.app.inject({ method: "POST", url: `/sessions/${created.id}/touch` });
    expect(touch.statusCode).to.equal(404);
  });

  it("an id of the wrong form is 400 INVALID_SESSION_ID on every route", async () => {
    for (const id of [
      "not-a-session-id",
      "a".repeat(21),
      "a".repeat(65),
      "abcdefghijklmnopqrstuv%2Fx",
    ]) {
      const requests = [
        { method: "GET", url: `/sessions/${id}` },
        { method: "PUT", url: `/sessions/${id}`, payload: { data: 1 } },
        { method: "POST", url: `/sessions/${id}/touch`, payload: {} },
        { method: "DELETE", url: `/sessions/${id}` },
      ] as const;
      for (const request of requests) {
        const res = await svc.app.inject(request);
        expect([id, request.method, res.statusCode, errorCode(res.body)]).to.deep.equal([
          id,
          request.method,
          400,
          "INVALID_SESSION_ID",
        ]);
      }
    }
  });

  it("input the store rejects is 400 with the store's code", async () => {
    const cases = [
      { url: "/sessions", payload: '{"data":{"a":1},"ttlSeconds":0}', code: "INVALID_TTL" },
      { url: "/sessions", payload: '{"data":{"a":1},"ttlSeconds":-5}', code: "INVALID_TTL" },
      {
        url: "/sessions",
        payload: '{"data":{"a":1},"ttlSeconds":90071992547409920}',
        code: "INVALID_TTL",
      },
      { url: "/sessions", payload: '{"data":{"score":1e400}}', code: "INVALID_SESSION_DATA" },
      {
        url: "/sessions",
        payload: JSON.stringify({ data: { blob: "x".repeat(450 * 1024) } }),
        code: "SESSION_TOO_LARGE",
      },
    ];
    for (const { url, payload, code } of cases) {
      const res = await svc.app.inject({ method: "POST", url, payload, headers: json });
      expect([res.statusCode, errorCode(res.body)], payload.slice(0, 60)).to.deep.equal([
        400,
        code,
      ]);
    }
    const created = await create();
    const touch = await svc.app.inject({
      method: "POST",
      url: `/sessions/${created.id}/touch`,
      payload: { ttlSeconds: 0 },
    });
    expect([touch.statusCode, errorCode(touch.body)]).to.deep.equal([400, "INVALID_TTL"]);
    const update = await svc.app.inject({
      method: "PUT",
      url: `/sessions/${created.id}`,
      payload: '{"data":[1e999]}',
      headers: json,
    });
    expect([update.statusCode, errorCode(update.body)]).to.deep.equal([
      400,
      "INVALID_SESSION_DATA",
    ]);
    const stats = svc.store.stats();
    expect([stats.dynamodb.writes, stats.cache.writes], "only the one create wrote").to.deep.equal([
      1, 1,
    ]);
  });

  it("a body of the wrong shape is 400 VALIDATION_FAILED", async () => {
    const created = await create();
    const cases = [
      { method: "POST", url: "/sessions", payload: {} },
      { method: "POST", url: "/sessions", payload: { data: 1, ttlSeconds: "60" } },
      { method: "POST", url: "/sessions", payload: { data: 1, ttlSeconds: 1.5 } },
      { method: "POST", url: "/sessions", payload: { data: 1, owner: "eve" } },
      { method: "POST", url: "/sessions", payload: [1, 2] },
      { method: "PUT", url: `/sessions/${created.id}`, payload: { ttlSeconds: 60 } },
      { method: "POST", url: `/sessions/${created.id}/touch`, payload: { ttlSeconds: "1h" } },
    ] as const;
    for (const request of cases) {
      const res = await svc.app.inject(request);
      expect([res.statusCode, errorCode(res.body)], JSON.stringify(request)).to.deep.equal([
        400,
        "VALIDATION_FAILED",
      ]);
    }
  });

  it("malformed JSON is 400 MALFORMED_JSON, a body that is not JSON is 415", async () => {
    for (const payload of ['{"data":', "", '{"data":1,"__proto__":{"admin":true}}']) {
      const res = await svc.app.inject({
        method: "POST",
        url: "/sessions",
        payload,
        headers: json,
      });
      expect([res.statusCode, errorCode(res.body)], payload).to.deep.equal([400, "MALFORMED_JSON"]);
    }
    const text = await svc.app.inject({
      method: "POST",
      url: "/sessions",
      payload: "data=1",
      headers: { "content-type": "text/plain" },
    });
    expect([text.statusCode, errorCode(text.body)]).to.deep.equal([415, "UNSUPPORTED_MEDIA_TYPE"]);
  });

  it("a body over the limit is 413 BODY_TOO_LARGE, whatever the route", async () => {
    const created = await create();
    const big = JSON.stringify({ data: { blob: "x".repeat(600 * 1024) } });
    for (const url of ["/sessions", `/sessions/${created.id}`]) {
      const res = await svc.app.inject({
        method: url === "/sessions" ? "POST" : "PUT",
        url,
        payload: big,
        headers: json,
      });
      expect([url, res.statusCode, errorCode(res.body)]).to.deep.equal([
        url,
        413,
        "BODY_TOO_LARGE",
      ]);
    }
    const small = await serviceOver(env.description.storeConfig, { bodyLimitBytes: 64 });
    try {
      const res = await small.app.inject({
        method: "POST",
        url: "/sessions",
        payload: { data: { blob: "x".repeat(100) } },
      });
      expect([res.statusCode, errorCode(res.body)]).to.deep.equal([413, "BODY_TOO_LARGE"]);
      const fits = await small.app.inject({
        method: "POST",
        url: "/sessions",
        payload: { data: "ok" },
      });
      expect(fits.statusCode).to.equal(201);
    } finally {
      await small.close();
    }
  });

  it("a wrong method is 405 METHOD_NOT_ALLOWED with an Allow header; an unknown path is 404", async () => {
    const cases = [
      { method: "GET", url: "/sessions", allow: "POST" },
      { method: "DELETE", url: "/sessions", allow: "POST" },
      { method: "PATCH", url: `/sessions/${UNKNOWN_ID}`, allow: "GET, HEAD, PUT, DELETE" },
      { method: "POST", url: `/sessions/${UNKNOWN_ID}`, allow: "GET, HEAD, PUT, DELETE" },
      { method: "GET", url: `/sessions/${UNKNOWN_ID}/touch`, allow: "POST" },
      { method: "POST", url: "/health", allow: "GET, HEAD" },
      { method: "PUT", url: "/stats", allow: "GET, HEAD" },
      { method: "DELETE", url: "/metrics", allow: "GET, HEAD" },
    ] as const;
    for (const { method, url, allow } of cases) {
      const res = await svc.app.inject({ method, url, payload: "{not json", headers: json });
      expect([method, url, res.statusCode, res.headers.allow, errorCode(res.body)]).to.deep.equal([
        method,
        url,
        405,
        allow,
        "METHOD_NOT_ALLOWED",
      ]);
    }
    const unknown = await svc.app.inject({ method: "GET", url: "/sessionz" });
    expect([unknown.statusCode, errorCode(unknown.body)]).to.deep.equal([404, "ROUTE_NOT_FOUND"]);
  });

  it("with DynamoDB unreachable, a write is acknowledged through the journal and read from the cache", async () => {
    const noDynamo = await serviceOver(
      withPorts(env.description.storeConfig, { dynamodb: await closedPort() }),
    );
    try {
      const res = await noDynamo.app.inject({
        method: "POST",
        url: "/sessions",
        payload: { data: 1 },
      });
      expect(res.statusCode, res.body).to.equal(201);
      const { id } = JSON.parse(res.body) as { id: string };
      const read = await noDynamo.app.inject({ method: "GET", url: `/sessions/${id}` });
      expect([read.statusCode, JSON.parse(read.body).source]).to.deep.equal([200, "cache"]);
    } finally {
      await noDynamo.close();
    }
  });

  it("under the strict policy, DynamoDB unreachable is 503 STORE_UNAVAILABLE and nothing is acknowledged", async () => {
    const strict = await serviceOver({
      ...withPorts(env.description.storeConfig, { dynamodb: await closedPort() }),
      durableFailurePolicy: "reject",
    });
    try {
      const res = await strict.app.inject({
        method: "POST",
        url: "/sessions",
        payload: { data: 1 },
      });
      expect([res.statusCode, errorCode(res.body)]).to.deep.equal([503, "STORE_UNAVAILABLE"]);
    } finally {
      await strict.close();
    }
  });

  it("with both stores unreachable, every route is 503 STORE_UNAVAILABLE", async () => {
    const down = await serviceOver(
      withPorts(env.description.storeConfig, {
        valkey: await closedPort(),
        dynamodb: await closedPort(),
      }),
    );
    try {
      const res = await down.app.inject({ method: "POST", url: "/sessions", payload: { data: 1 } });
      expect([res.statusCode, errorCode(res.body)]).to.deep.equal([503, "STORE_UNAVAILABLE"]);
      const read = await down.app.inject({ method: "GET", url: `/sessions/${UNKNOWN_ID}` });
      expect([read.statusCode, errorCode(read.body)]).to.deep.equal([503, "STORE_UNAVAILABLE"]);
    } finally {
      await down.close();
    }
  });
});
