import { describe, it } from "node:test";
import { expect } from "chai";
import { durableFailure } from "../../store/durableFailure";
import { isStoreUnavailable } from "../../store/errors";

describe("durableFailure", () => {
  it("names DynamoDB alone when the cache answered, and keeps the cause", () => {
    const cause = new Error("timeout");
    const error = durableFailure(cause, false);
    expect(isStoreUnavailable(error) && error.store).to.equal("dynamodb");
    expect(error.cause).to.equal(cause);
  });

  it("names both stores when the cache failed too", () => {
    expect(durableFailure(new Error("timeout"), true).store).to.equal("both");
  });
});
