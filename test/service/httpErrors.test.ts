import { describe, it } from "node:test";
import { expect } from "chai";
import { toHttpError } from "../../service";
import {
  ConcurrentUpdateError,
  InvalidSessionDataError,
  InvalidSessionIdError,
  InvalidTtlError,
  SessionExistsError,
  SessionNotFoundError,
  SessionTooLargeError,
  StoreClosedError,
  StoreUnavailableError,
} from "../../store";

describe("error mapping", () => {
  it("maps each store error class to its status and keeps its code", () => {
    const cases: [Error, number, string][] = [
      [new InvalidSessionIdError("bad id"), 400, "INVALID_SESSION_ID"],
      [new InvalidSessionDataError("bad data"), 400, "INVALID_SESSION_DATA"],
      [new InvalidTtlError("bad ttl"), 400, "INVALID_TTL"],
      [new SessionTooLargeError(500_000, 409_600), 400, "SESSION_TOO_LARGE"],
      [new SessionNotFoundError("x"), 404, "SESSION_NOT_FOUND"],
      [new SessionExistsError("x"), 409, "SESSION_EXISTS"],
      [new ConcurrentUpdateError("x"), 409, "CONCURRENT_UPDATE"],
      [new StoreUnavailableError("both", "neither answered"), 503, "STORE_UNAVAILABLE"],
      [new StoreClosedError(), 503, "STORE_CLOSED"],
    ];
    for (const [error, status, code] of cases) {
      const mapped = toHttpError(error);
      expect([mapped.status, mapped.body.error.code]).to.deep.equal([status, code]);
      expect(mapped.body.error.message).to.equal(error.message);
    }
  });

  it("decides by class, not by message: a plain Error saying 'not found' is a 500", () => {
    const mapped = toHttpError(new Error("session does not exist or has expired: not found"));
    expect(mapped.status).to.equal(500);
    expect(mapped.body).to.deep.equal({
      error: { code: "INTERNAL_ERROR", message: "the service failed to answer; see its log" },
    });
  });

  it("never passes an unexpected error's message or stack to the client", () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'secret')");
    const text = JSON.stringify(toHttpError(error).body);
    expect(text).to.not.include("secret");
    expect(text).to.not.include("at ");
  });
});
