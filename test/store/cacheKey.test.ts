import { describe, it } from "node:test";
import { expect } from "chai";
import { cacheKey } from "../../store/cacheKey";

describe("cacheKey", () => {
  it("puts the session id after the prefix and `session:`", () => {
    expect(cacheKey("t1:", "abc")).to.equal("t1:session:abc");
  });

  it("with no prefix, starts at `session:`", () => {
    expect(cacheKey("", "abc")).to.equal("session:abc");
  });
});
