import { randomBytes } from "node:crypto";
import { InvalidSessionIdError } from "./errors";

/** Random bytes per id: 18 bytes are 144 bits, exactly 24 base64url characters with no padding. */
const ID_BYTES = 18;

/**
 * The ids the store accepts: base64url (A-Z a-z 0-9 _ -, no padding), 22 to 64 characters.
 * 22 characters carry at least 128 bits, so a framework's ids (express-session and
 * @fastify/session make 32) fit, and the ceiling keeps cache keys and DynamoDB keys short.
 */
export const SESSION_ID_MIN_LENGTH = 22;
export const SESSION_ID_MAX_LENGTH = 64;
const ID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${SESSION_ID_MIN_LENGTH},${SESSION_ID_MAX_LENGTH}}$`);

/** A new unguessable session id: 24 base64url characters, 144 bits from the OS CSPRNG. */
export function newSessionId(): string {
  return randomBytes(ID_BYTES).toString("base64url");
}

/** True when `id` is 22 to 64 base64url characters. */
export function isValidSessionId(id: unknown): id is string {
  return typeof id === "string" && ID_PATTERN.test(id);
}

/** Throws InvalidSessionIdError unless `id` is 22 to 64 base64url characters. */
export function assertSessionId(id: unknown): asserts id is string {
  if (!isValidSessionId(id)) {
    const shown = typeof id === "string" ? JSON.stringify(id.slice(0, 40)) : typeof id;
    throw new InvalidSessionIdError(
      `session id must be ${SESSION_ID_MIN_LENGTH} to ${SESSION_ID_MAX_LENGTH} base64url characters (A-Z a-z 0-9 _ -); got ${shown}`,
    );
  }
}
