import { describe, it } from "node:test";
import { expect } from "chai";
import { describeTtl, ttlProblem } from "../../probe/ttl";

describe("the session table's TTL rule", () => {
  it("accepts ENABLED and ENABLING on the store's attribute", () => {
    for (const status of ["ENABLED", "ENABLING"] as const) {
      expect(ttlProblem({ TimeToLiveStatus: status, AttributeName: "expires_at" }, "expires_at")).to
        .be.undefined;
    }
  });

  it("refuses any other status, another attribute, or no answer, saying what it found", () => {
    for (const status of ["DISABLED", "DISABLING"] as const) {
      expect(
        ttlProblem({ TimeToLiveStatus: status, AttributeName: "expires_at" }, "expires_at"),
      ).to.equal(`TTL is ${status} on expires_at; the store writes expires_at`);
    }
    expect(
      ttlProblem({ TimeToLiveStatus: "ENABLED", AttributeName: "ttl" }, "expires_at"),
    ).to.equal("TTL is ENABLED on ttl; the store writes expires_at");
    expect(ttlProblem(undefined, "expires_at")).to.equal(
      "TTL is unknown on no attribute; the store writes expires_at",
    );
  });

  it("says that ENABLING is only a matter of time", () => {
    expect(describeTtl({ TimeToLiveStatus: "ENABLED" }, "expires_at")).to.equal(
      "ENABLED on expires_at",
    );
    expect(describeTtl({ TimeToLiveStatus: "ENABLING" }, "expires_at")).to.contain("up to an hour");
  });
});
