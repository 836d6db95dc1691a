import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { renderTimeline, renderVerdict } from "../checker/report";
import { eventually } from "../common/eventually";
import { CacheObserver } from "../lab/observe/CacheObserver";
import { ownerOfLocalPort } from "../lab/observe/connections";
import type { Fault } from "../support/faults/catalog";
import { churn } from "../support/faults/churn";
import type { SessionWorld } from "../support/world";

/** Healing may restart a killed node (up to 30 s) before the store settles (up to 10 s). */
const HEALING_STEP_TIMEOUT_MS = 60_000;

/** What a user may try, through the scenario's own store or through one app server. */
export const OPERATIONS: Record<
  string,
  (world: SessionWorld, user: string, server?: string) => Promise<unknown>
> = {
  "sign in": (w, user, server) => w.signIn(user, {}, undefined, server),
  "read the session": (w, user, server) => w.read(user, server),
  "change the session": (w, user, server) =>
    w.change(user, { user, changedDuringFault: true }, server),
  "extend the session": (w, user, server) => w.extend(user, 1200, server),
  "sign out": (w, user, server) => w.signOut(user, server),
};

Given("{fault}", async function (this: SessionWorld, fault: Fault) {
  await this.startFault(fault);
});

When("{healing}", async function (this: SessionWorld, fault: Fault) {
  await this.healFault(fault);
});

When(
  "{user} tries to {operation}",
  async function (this: SessionWorld, user: string, operation: string) {
    await this.attempt(
      () => OPERATIONS[operation]?.(this, user) ?? Promise.reject(new Error(operation)),
    );
  },
);

When("every user's data changes", async function (this: SessionWorld) {
  await Promise.all(
    this.users().map((user) => this.change(user, { user, changedDuringFault: true })),
  );
});

When(
  "the users keep reading and changing their sessions while {fault} comes and goes",
  { timeout: HEALING_STEP_TIMEOUT_MS },
  async function (this: SessionWorld, fault: Fault) {
    const { failed } = await churn(this, {
      opsPerUser: 30,
      faultAt: 0.3,
      healAt: 0.7,
      fault: () => this.startFault(fault),
      heal: () => this.healAll(),
    });
    this.attach(`operations that failed: ${failed}`, {
      mediaType: "text/plain",
      fileName: "failures.txt",
    });
    this.churnFailures = failed;
  },
);

Then("the attempt succeeds", function (this: SessionWorld) {
  expect(this.lastError, "the operation's error").to.equal(undefined);
});

Then("every operation succeeded", function (this: SessionWorld) {
  expect(this.churnFailures, "failed operations").to.equal(0);
});

Then(
  "once every fault heals, nothing acknowledged was lost and nothing stale was served",
  { timeout: HEALING_STEP_TIMEOUT_MS },
  async function (this: SessionWorld) {
    const verdict = await this.verdictAfterHealing();
    this.attach(renderTimeline(this.history), {
      mediaType: "text/plain",
      fileName: "fault timeline.txt",
    });
    this.attach(renderVerdict(verdict), {
      mediaType: "text/plain",
      fileName: "history verdict.txt",
    });
    expect(verdict.ok, renderVerdict(verdict)).to.equal(true);
  },
);

Given("the store refuses writes that DynamoDB cannot take", async function (this: SessionWorld) {
  await this.reconnect({ durableFailurePolicy: "reject" });
});

When("the cache serves user 1's session again", async function (this: SessionWorld) {
  const lost = this.history.events.find((e) => e.type === "fault" && e.action === "start");
  const session = await eventually(
    async () => {
      const read = await this.read("user 1");
      expect(read?.source, "where user 1's session came from").to.equal("cache");
      return read;
    },
    { timeoutMs: 12_000, intervalMs: 50, what: "the cache to serve user 1's session again" },
  );
  const gapMs = this.history.now() - (lost?.at ?? this.history.now());
  this.attach(
    `the cache could not serve user 1's session for ${gapMs} ms (version ${session?.version})`,
    {
      mediaType: "text/plain",
      fileName: "failover gap.txt",
    },
  );
});

Then("every user's session is soon served by the cache again", async function (this: SessionWorld) {
  await eventually(
    async () => {
      const reads = await Promise.all(this.users().map((user) => this.read(user)));
      expect(reads.map((r) => r?.source)).to.deep.equal(reads.map(() => "cache"));
    },
    { timeoutMs: 8000, intervalMs: 100, what: "every read to be served by the cache" },
  );
});

Then("DynamoDB soon holds every user's latest session", async function (this: SessionWorld) {
  await eventually(
    async () => {
      for (const user of this.users()) {
        const { id, version } = this.session(user);
        expect(
          (await this.shared.durable.entry(id))?.version,
          `${user}'s version in DynamoDB`,
        ).to.equal(version);
      }
      // The drain clears its flag once it has seen the journal empty, just after the last write.
      expect((await this.stats()).journal.pending, "journal pending").to.equal(false);
    },
    { timeoutMs: 8000, intervalMs: 100, what: "DynamoDB to hold every acknowledged change" },
  );
});

Then(
  "every user reads their latest version, and user 1 reads nothing",
  async function (this: SessionWorld) {
    for (const user of this.users()) {
      const read = await this.read(user);
      if (user === "user 1") expect(read, "user 1 signed out").to.equal(null);
      else expect(read?.version, `${user}'s version`).to.equal(this.session(user).version);
    }
  },
);

Then(
  "every cache node sees the store only through the fault proxy",
  async function (this: SessionWorld) {
    const { valkey, toxiproxy } = this.shared.env.description;
    let seen = 0;
    for (const node of valkey.nodes.filter((n) => !this.killedNodes.includes(n.port))) {
      for (const port of await CacheObserver.clientPorts(
        node.host,
        node.port,
        "hybrid-session-store",
      )) {
        seen += 1;
        const owner = ownerOfLocalPort(port, [
          process.pid,
          ...(toxiproxy?.pid ? [toxiproxy.pid] : []),
        ]);
        expect(owner, `the connection from port ${port} to node ${node.port}`).to.not.equal(
          process.pid,
        );
        if (toxiproxy?.pid) expect(owner, `owner of port ${port}`).to.equal(toxiproxy.pid);
      }
    }
    expect(seen, "store connections seen on the nodes").to.be.greaterThan(0);
  },
);

Then("the cache took no write and served no hit", async function (this: SessionWorld) {
  const { cache } = await this.stats();
  expect({ hits: cache.hits, writes: cache.writes, restores: cache.restores }).to.deep.equal({
    hits: 0,
    writes: 0,
    restores: 0,
  });
});
