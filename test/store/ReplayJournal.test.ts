import { describe, it } from "node:test";
import { expect } from "chai";
import { ReplayJournal, type ReplayTarget } from "../../store/ReplayJournal";
import type { SessionRecord } from "../../store/SessionRecord";
import { StoreStats } from "../../store/StoreStats";
import type { ValkeyCommands } from "../../store/ValkeyCache";

/** One in-memory stream answering the four commands the journal sends, in GLIDE's reply shapes. */
class FakeStream implements ValkeyCommands {
  entries: { key: string; value: [string, string][] }[] = [];
  failing = false;
  private next = 1;

  async customCommand(_kind: string, args: string[]): Promise<unknown> {
    if (this.failing) throw new Error("cache down");
    const [name, , ...rest] = args;
    switch (name) {
      case "XADD": {
        const pairs: [string, string][] = [];
        for (let i = 1; i < rest.length; i += 2) pairs.push([rest[i] ?? "", rest[i + 1] ?? ""]);
        const key = `${this.next++}-0`;
        this.entries.push({ key, value: pairs });
        return key;
      }
      case "XRANGE":
        return this.entries.slice(0, Number(rest[3]));
      case "XDEL":
        this.entries = this.entries.filter((e) => !rest.includes(e.key));
        return rest.length;
      case "XLEN":
        return this.entries.length;
      default:
        throw new Error(`unexpected ${name}`);
    }
  }
}

/** DynamoDB as the journal sees it: records every replayed write. */
class FakeDurable implements ReplayTarget {
  readonly applied: string[] = [];
  async putNew(record: SessionRecord): Promise<boolean> {
    this.applied.push(`create ${record.id}`);
    return true;
  }
  async putIfNewer(record: SessionRecord): Promise<boolean> {
    this.applied.push(`put ${record.id} v${record.version}`);
    return true;
  }
  async deleteIfOlder(id: string, version: number): Promise<boolean> {
    this.applied.push(`delete ${id} v${version}`);
    return true;
  }
}

const record = (id: string, version: number): SessionRecord => ({
  id,
  version,
  createdAt: 1,
  updatedAt: 1,
  expiresAt: 99,
  payload: "{}",
});

function journal(stream = new FakeStream(), durable = new FakeDurable()) {
  const stats = new StoreStats();
  const j = new ReplayJournal(stream, durable, "t:", async () => {}, stats);
  return { j, stream, durable, stats };
}

describe("ReplayJournal", () => {
  it("drains nothing when clean", async () => {
    const { j } = journal();
    expect(await j.drain()).to.deep.equal({ drained: true, replayed: 0 });
  });

  it("replays in order and says how many entries it replayed", async () => {
    const { j, stream, durable, stats } = journal();
    await j.append({ op: "create", record: record("a", 1) });
    await j.append({ op: "put", record: record("a", 2) });
    await j.append({ op: "delete", id: "a", version: 3 });
    expect(await j.drain()).to.deep.equal({ drained: true, replayed: 3 });
    expect(durable.applied).to.deep.equal(["create a", "put a v2", "delete a v3"]);
    expect([j.dirty, stream.entries.length, stats.journal.replayed]).to.deep.equal([false, 0, 3]);
  });

  it("reports a drain the cache cut short, and stays dirty", async () => {
    const { j, stream } = journal();
    await j.append({ op: "put", record: record("a", 2) });
    stream.failing = true;
    expect(await j.drain()).to.deep.equal({ drained: false, replayed: 0 });
    expect(j.dirty).to.equal(true);
  });

  it("finds the entries a previous process left", async () => {
    const { stream } = journal();
    await journal(stream).j.append({ op: "put", record: record("a", 2) });
    const { j } = journal(stream);
    await j.resume();
    expect(j.dirty).to.equal(true);
  });
});
