import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { expect } from "chai";
import { isInvalidSessionId } from "../../store/errors";
import {
  assertSessionId,
  isValidSessionId,
  newSessionId,
  SESSION_ID_MAX_LENGTH,
  SESSION_ID_MIN_LENGTH,
} from "../../store/SessionId";

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

  it("are accepted from 22 base64url characters (128 bits) to 64", () => {
    expect([SESSION_ID_MIN_LENGTH, SESSION_ID_MAX_LENGTH]).to.deep.equal([22, 64]);
    // express-session and @fastify/session make 24 random bytes, 32 characters.
    const frameworkId = randomBytes(24).toString("base64url");
    for (const id of ["a".repeat(22), newSessionId(), frameworkId, "_-".repeat(32)]) {
      expect(isValidSessionId(id), id).to.equal(true);
      assertSessionId(id);
    }
  });

  for (const bad of [
    "",
    "short",
    "a".repeat(21),
    "a".repeat(65),
    "abcdefghijklmnopqrstuv/x",
    "abcdefghijklmnopqrstuv=x",
    "abcdefghijklmnopqrstuvwxyz012345==",
    "abcdefghijklmnopqrstuv x",
    "abcdefghijklmnopqrstuvé",
    "abcdefghijklmnopqrstuvwx\n",
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
        expect((e as Error).message).to.include("22 to 64 base64url characters");
      }
    });
  }
});
