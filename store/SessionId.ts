import { randomBytes } from "node:crypto";
import { InvalidSessionIdError } from "./errors";

/** Random bytes per id: 18 bytes are 144 bits, exactly 24 base64url characters with no padding. */
const ID_BYTES = 18;
const ID_PATTERN = /^[A-Za-z0-9_-]{24}$/;

/** A new unguessable session id (144 bits from the OS CSPRNG). */
export function newSessionId(): string {
  return randomBytes(ID_BYTES).toString("base64url");
}

export function isValidSessionId(id: unknown): id is string {
  return typeof id === "string" && ID_PATTERN.test(id);
}

/** Throws InvalidSessionIdError unless `id` has the form of an id this store issues. */
export function assertSessionId(id: unknown): asserts id is string {
  if (!isValidSessionId(id)) {
    const shown = typeof id === "string" ? JSON.stringify(id.slice(0, 40)) : typeof id;
    throw new InvalidSessionIdError(
      `session id must be 24 base64url characters (A-Z a-z 0-9 _ -); got ${shown}`,
    );
  }
}
