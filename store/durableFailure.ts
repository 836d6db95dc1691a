import { neverApplied } from "./DynamoDurable";
import { OutcomeUnknownError, StoreUnavailableError } from "./errors";

/** A DynamoDB read failed with `cause`; if the cache failed too (`cacheFailed`), the error names both. */
export function durableFailure(cause: unknown, cacheFailed: boolean): StoreUnavailableError {
  return cacheFailed
    ? new StoreUnavailableError("both", "neither the cache nor DynamoDB answered", { cause })
    : new StoreUnavailableError("dynamodb", "DynamoDB did not answer; nothing was written", {
        cause,
      });
}

/**
 * A DynamoDB write failed with `cause` and nothing else took it: "nothing was written" only when
 * DynamoDB cannot have applied it; after a timeout or a lost answer the outcome is unknown.
 */
export function writeFailure(
  cause: unknown,
  cacheFailed: boolean,
): StoreUnavailableError | OutcomeUnknownError {
  if (neverApplied(cause)) return durableFailure(cause, cacheFailed);
  return new OutcomeUnknownError(
    "DynamoDB did not confirm the write in time; it may have been applied (read the session to know)",
    { cause },
  );
}
