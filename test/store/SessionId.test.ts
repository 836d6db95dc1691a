import { describe, it } from "node:test";
import { expect } from "chai";
import { isInvalidSessionId } from "../../store/errors";
import { assertSessionId, isValidSessionId, newSessionId } from "../../store/SessionId";

describe("session ids", () => {
  it("are 24 base64url characters (144 random bits) and distinct", () => {
    const ids = Array.from({ length: 10_000 }, newSessionId);
    for (const id of ids) expect(id).to.match(/^[A-Za-z0-9_-]{24}$/);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it("use the whole alphabet (no bias towards a few characters)", () => {
    const seen = new Set(Array.from({ length: 2000 }, newSessionId).join(""));
    expect(seen.size).to.equal(64);
  });

  for (const bad of [
    "",
    "short",
    "a".repeat(23),
    "a".repeat(25),
    "abcdefghijklmnopqrstuv/x",
    "abcdefghijklmnopqrstuv=x",
    "../../../../etc/passwd/x",
    42,
    null,
    undefined,
    { id: "x" },
  ]) {
    it(`rejects ${JSON.stringify(bad) ?? String(bad)}`, () => {
      expect(isValidSessionId(bad)).to.equal(false);
      try {
        assertSessionId(bad);
        expect.fail("accepted");
      } catch (e) {
        expect(isInvalidSessionId(e)).to.equal(true);
      }
    });
  }
});
