import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { resolveConfig } from "../../store/config";
import { DynamoDurable } from "../../store/DynamoDurable";
import { encodeRecord, encodeTombstone } from "../../store/SessionRecord";
import { StoreStats } from "../../store/StoreStats";
import { type LocalEnv, localEnv } from "../service/localEnv";

/** What the SDK's (or the store's own) retry after a lost answer does: the same call again. */
describe("DynamoDurable against DynamoDB Local", () => {
  let env: LocalEnv;
  let durable: DynamoDurable;
  before(async () => {
    env = await localEnv();
    durable = new DynamoDurable(
      resolveConfig({ ...env.description.storeConfig }),
      new StoreStats(),
    );
  });
  after(async () => {
    durable.close();
    await env.release();
  });

  const recordFor = (id: string, data: unknown) => {
    const now = Date.now();
    const fields = {
      id,
      version: 1,
      createdAt: now,
      updatedAt: now,
      expiresAt: Math.ceil(now / 1000) + 600,
    };
    return encodeRecord(fields, data as never);
  };
  const newId = () => randomBytes(18).toString("base64url");

  it("takes a create again, whose first answer was lost, as its success; another create of the id fails", async () => {
    const record = recordFor(newId(), { user: "ada" });
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(await durable.putNew(record, nowSeconds), "first attempt").to.equal(true);
    expect(await durable.putNew(record, nowSeconds), "the same create again").to.equal(true);
    const other = { ...record, payload: record.payload.replace("ada", "eve") };
    expect(await durable.putNew(other, nowSeconds), "someone else's create").to.equal(false);
  });

  it("reports a delete again, whose first answer was lost, as done, and leaves a tombstone", async () => {
    const record = recordFor(newId(), { user: "ada" });
    await durable.putNew(record, Math.floor(Date.now() / 1000));
    const seen = await durable.getLive(record.id);
    expect(seen?.payload).to.equal(record.payload);
    const tombstone = {
      ...record,
      version: 2,
      payload: encodeTombstone(record),
    };
    const item = { ...(seen as NonNullable<typeof seen>), id: record.id };
    expect(await durable.deleteIfEqual(item, tombstone), "first attempt").to.equal(true);
    expect(await durable.deleteIfEqual(item, tombstone), "the same delete again").to.equal(true);
    expect(await durable.getLive(record.id), "no session").to.equal(null);
    expect((await durable.get(record.id))?.deleted, "a tombstone until the old expiry").to.equal(
      true,
    );
  });

  it("never lets a replayed older write replace a tombstone", async () => {
    const record = recordFor(newId(), { user: "ada" });
    await durable.putNew(record, Math.floor(Date.now() / 1000));
    const tombstone = { ...record, version: 2, payload: encodeTombstone(record) };
    await durable.putTombstoneIfNewer(tombstone);
    expect(await durable.putIfNewer(record), "the older write, replayed").to.equal(false);
    const sameVersion = encodeRecord(
      { ...record, version: 2, updatedAt: record.updatedAt + 1 },
      {
        user: "ada",
        changed: true,
      },
    );
    expect(await durable.putIfNewer(sameVersion), "a change of the same version").to.equal(false);
    expect(await durable.getLive(record.id)).to.equal(null);
  });
});
