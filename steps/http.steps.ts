import { Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { newSessionId } from "../store";
import type { SessionWorld } from "../support/world";

/** Each bad request by the words a scenario uses for it: method, path, body, content type. */
const BAD_REQUESTS: Record<string, () => { method: string; path: string; body?: string }> = {
  "a body that is not JSON": () => ({ method: "POST", path: "/sessions", body: '{"data": ' }),
  "a body larger than the service takes": () => ({
    method: "POST",
    path: "/sessions",
    body: JSON.stringify({ data: "x".repeat(600 * 1024) }),
  }),
  "a request for an unknown session": () => ({
    method: "GET",
    path: `/sessions/${newSessionId()}`,
  }),
  "a session id of the wrong form": () => ({ method: "GET", path: "/sessions/not-a-session-id" }),
  "a method the route does not accept": () => ({
    method: "PATCH",
    path: `/sessions/${newSessionId()}`,
  }),
};

When("a client sends {}", async function (this: SessionWorld, request: string) {
  const make = BAD_REQUESTS[request];
  if (!make)
    throw new Error(
      `no request is called "${request}"; known: ${Object.keys(BAD_REQUESTS).join(", ")}`,
    );
  const { method, path, body } = make();
  const res = await fetch(`${this.serviceUrl}${path}`, {
    method,
    ...(body !== undefined && { body, headers: { "content-type": "application/json" } }),
  });
  this.httpAnswer = { status: res.status, body: await res.text(), ms: 0 };
});

When("an operator asks for the service's health", async function (this: SessionWorld) {
  const started = performance.now();
  const res = await fetch(`${this.serviceUrl}/health`);
  this.httpAnswer = { status: res.status, body: await res.text(), ms: performance.now() - started };
});

Then(
  "the service answers {int} with the error code {string}",
  function (this: SessionWorld, status: number, code: string) {
    const answer = this.answer();
    expect([
      answer.status,
      (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code,
    ]).to.deep.equal([status, code]);
  },
);

Then("the answer reveals nothing of the service's internals", function (this: SessionWorld) {
  expect(this.answer().body).to.not.match(/\bat \S+ \(|node_modules|\.ts:\d+/);
});

Then("the service reports {string} within a second", function (this: SessionWorld, status: string) {
  const answer = this.answer();
  expect([answer.status, (JSON.parse(answer.body) as { status: string }).status]).to.deep.equal([
    200,
    status,
  ]);
  expect(answer.ms, "milliseconds to answer").to.be.below(1000);
});

Then(
  "the service reports {string} with {store} down, within a second",
  function (this: SessionWorld, status: string, store: "cache" | "dynamodb") {
    const answer = this.answer();
    const health = JSON.parse(answer.body) as {
      status: string;
      stores: Record<string, { state: string }>;
    };
    expect([answer.status, health.status, health.stores[store]?.state]).to.deep.equal([
      200,
      status,
      "down",
    ]);
    expect(answer.ms, "milliseconds to answer").to.be.below(1000);
  },
);

Then(
  "the service answers {int} and reports {string} within a second",
  function (this: SessionWorld, code: number, status: string) {
    const answer = this.answer();
    expect([answer.status, (JSON.parse(answer.body) as { status: string }).status]).to.deep.equal([
      code,
      status,
    ]);
    expect(answer.ms, "milliseconds to answer").to.be.below(1000);
  },
);
