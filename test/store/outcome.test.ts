import { describe, it } from "node:test";
import { expect } from "chai";
import { outcome } from "../../store/outcome";

describe("outcome", () => {
  it("resolves a fulfilled promise to its value", async () => {
    expect(await outcome(Promise.resolve(7))).to.deep.equal({ status: "fulfilled", value: 7 });
  });

  it("resolves a rejected promise to its reason instead of throwing", async () => {
    const failure = new Error("down");
    expect(await outcome(Promise.reject(failure))).to.deep.equal({
      status: "rejected",
      reason: failure,
    });
  });
});
