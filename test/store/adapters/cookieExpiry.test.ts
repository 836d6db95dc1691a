import { describe, it } from "node:test";
import { expect } from "chai";
import { cookieExpiryMs, ttlUntil } from "../../../store/adapters/cookieExpiry";
import { expiryFrom } from "../../../store/SessionRecord";

describe("a cookie's expiry as the store's TTL", () => {
  it("makes the store expire the session at the cookie's second, rounded up", () => {
    for (const [nowMs, expiresMs] of [
      [1_000_000_000_000, 1_000_000_060_000],
      [1_000_000_000_001, 1_000_000_060_000],
      [1_000_000_000_999, 1_000_000_060_001],
      [1_000_000_000_500, 1_000_000_001_001],
    ] as const) {
      const ttl = ttlUntil(expiresMs, nowMs);
      expect(ttl, `${nowMs} -> ${expiresMs}`).to.be.a("number");
      expect(expiryFrom(nowMs, ttl ?? 0)).to.equal(Math.ceil(expiresMs / 1000));
    }
  });

  it("has no TTL once the cookie's second has begun", () => {
    expect(ttlUntil(1_000_000_000_000, 1_000_000_000_000)).to.equal(null);
    expect(ttlUntil(1_000_000_000_400, 1_000_000_000_300)).to.equal(null);
    expect(ttlUntil(999_000, 1_000_000)).to.equal(null);
    // Within the current second: the store could only expire it later than the cookie.
    expect(ttlUntil(1_000_000_000_501, 1_000_000_000_500)).to.equal(null);
  });

  it("reads a Date, ISO text, or no expiry", () => {
    expect(cookieExpiryMs({ expires: new Date(5000) })).to.equal(5000);
    expect(cookieExpiryMs({ expires: "1970-01-01T00:00:05.000Z" })).to.equal(5000);
    expect(cookieExpiryMs({ expires: null })).to.equal(null);
    expect(cookieExpiryMs({ expires: "not a date" })).to.equal(null);
    expect(cookieExpiryMs(undefined)).to.equal(null);
  });
});
