import { describe, it } from "node:test";
import { expect } from "chai";
import {
  InvalidSessionDataError,
  InvalidTtlError,
  isInvalidSessionData,
  isInvalidTtl,
  isSessionTooLarge,
} from "../../store/errors";
import {
  assertJsonData,
  assertStorable,
  assertTtl,
  DYNAMODB_ITEM_LIMIT_BYTES,
  decodePayload,
  encodeRecord,
  encodeTombstone,
  expiryFrom,
  isLive,
  itemSizeBytes,
  nextVersion,
  sessionOfRecord,
} from "../../store/SessionRecord";

const fields = {
  id: "a".repeat(24),
  version: 3,
  createdAt: 1_700_000_000_123,
  updatedAt: 1_700_000_000_456,
  expiresAt: 1_700_003_600,
};

describe("encodeRecord / decodePayload", () => {
  it("round-trips a session and starts with version then createdAt, as the cache script expects", () => {
    const record = encodeRecord(fields, { user: "ada", n: [1, 2] });
    expect(record.payload).to.match(/^\{"version":3,"createdAt":1700000000123,/);
    expect(decodePayload(record.payload, "cache")).to.deep.equal({
      ...fields,
      data: { user: "ada", n: [1, 2] },
      source: "cache",
    });
  });

  it("makes a tombstone one version newer that decodes as no session", () => {
    const tombstone = encodeTombstone(encodeRecord(fields, null));
    expect(tombstone).to.match(/^\{"version":4,"createdAt":1700000000123,/);
    expect(decodePayload(tombstone, "cache")).to.equal(null);
  });
});

describe("assertJsonData", () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const rejected: [string, unknown][] = [
    ["a function", { f: () => 1 }],
    ["a function in an array", [() => 1]],
    ["a cycle", cycle],
    ["undefined at the top", undefined],
    ["undefined in an array", [1, undefined]],
    ["a BigInt", { n: 1n }],
    ["a symbol", { s: Symbol("x") }],
    ["NaN", { x: Number.NaN }],
    ["Infinity", [Number.POSITIVE_INFINITY]],
    ["a Map", { m: new Map([[1, 2]]) }],
  ];
  for (const [what, data] of rejected) {
    it(`rejects ${what}`, () => {
      expect(() => assertJsonData(data)).to.throw(InvalidSessionDataError);
      try {
        assertJsonData(data);
      } catch (e) {
        expect(isInvalidSessionData(e)).to.equal(true);
      }
    });
  }

  const accepted: [string, unknown][] = [
    ["null", null],
    ["a string", "x"],
    ["nested objects and arrays", { a: [1, { b: "c" }], d: true }],
    ["an object property set to undefined (JSON omits it)", { a: 1, b: undefined }],
    [
      "a shared, non-cyclic reference",
      (() => {
        const s = { x: 1 };
        return { a: s, b: s };
      })(),
    ],
    ["a Date (has toJSON)", { at: new Date(0) }],
    ["an object without prototype", Object.assign(Object.create(null), { a: 1 })],
  ];
  for (const [what, data] of accepted) {
    it(`accepts ${what}`, () => {
      expect(() => assertJsonData(data)).to.not.throw();
    });
  }
});

describe("assertTtl", () => {
  for (const bad of [1.5, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, "60", null, 2 ** 60]) {
    it(`rejects ${String(bad)}`, () => {
      expect(() => assertTtl(bad)).to.throw(InvalidTtlError);
      try {
        assertTtl(bad);
      } catch (e) {
        expect(isInvalidTtl(e)).to.equal(true);
      }
    });
  }
  for (const good of [1, 60, 86_400 * 365]) {
    it(`accepts ${good}`, () => {
      expect(() => assertTtl(good)).to.not.throw();
    });
  }
});

describe("expiryFrom", () => {
  it("rounds the start up, so a session lives at least its TTL", () => {
    expect(expiryFrom(1_000_000, 60)).to.equal(1060);
    expect(expiryFrom(1_000_001, 60)).to.equal(1061);
    expect(expiryFrom(1_000_999, 1)).to.equal(1002);
  });
});

describe("isLive", () => {
  it("is live until the second of expiry, and not at it", () => {
    expect(isLive(1001, 1_000_999)).to.equal(true);
    expect(isLive(1000, 1_000_000)).to.equal(false);
    expect(isLive(1000, 1_000_999)).to.equal(false);
  });
});

describe("nextVersion", () => {
  const current = { ...fields, data: { n: 1 }, source: "cache" as const };

  it("adds one to the version and keeps id, creation and the times not given", () => {
    const next = nextVersion(current, { n: 2 }, { updatedAt: 1_700_000_001_000 });
    expect(sessionOfRecord(next)).to.deep.equal({
      ...fields,
      version: 4,
      updatedAt: 1_700_000_001_000,
      data: { n: 2 },
      source: "dynamodb",
    });
  });

  it("keeps null as the new data, and moves only the expiry when asked", () => {
    const next = nextVersion(current, null, { expiresAt: 1_700_007_200 });
    expect([next.version, next.updatedAt, next.expiresAt]).to.deep.equal([
      4,
      fields.updatedAt,
      1_700_007_200,
    ]);
    expect(sessionOfRecord(next).data).to.equal(null);
  });
});

describe("sessionOfRecord", () => {
  it("refuses a record whose payload is a tombstone", () => {
    const record = encodeRecord(fields, null);
    const tombstone = { ...record, payload: encodeTombstone(record) };
    expect(() => sessionOfRecord(tombstone)).to.throw(/tombstone/);
  });
});

describe("item size", () => {
  it("counts attribute names and the UTF-8 bytes of the payload", () => {
    const ascii = encodeRecord(fields, "x".repeat(100));
    const wide = encodeRecord(fields, "é".repeat(100));
    expect(itemSizeBytes(wide) - itemSizeBytes(ascii)).to.equal(100);
  });

  it("accepts up to DynamoDB's 400 KB and rejects one byte more", () => {
    const base = encodeRecord(fields, "");
    const room = DYNAMODB_ITEM_LIMIT_BYTES - itemSizeBytes(base);
    expect(() => assertStorable(encodeRecord(fields, "x".repeat(room)))).to.not.throw();
    try {
      assertStorable(encodeRecord(fields, "x".repeat(room + 1)));
      expect.fail("accepted an item over the limit");
    } catch (e) {
      expect(isSessionTooLarge(e)).to.equal(true);
    }
  });
});
