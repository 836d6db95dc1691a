/**
 * Every error the store throws on purpose is a SessionStoreError with a stable `code`, so callers
 * decide on classes (or the guards below), never on message text.
 */
export abstract class SessionStoreError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input rejected before anything was written. */
export abstract class InvalidInputError extends SessionStoreError {}

/** The session id is not of the store's form (22 to 64 base64url characters, at least 128 bits). */
export class InvalidSessionIdError extends InvalidInputError {
  readonly code = "INVALID_SESSION_ID";
}

/** The session data cannot be stored as JSON without loss. */
export class InvalidSessionDataError extends InvalidInputError {
  readonly code = "INVALID_SESSION_DATA";
}

/** A TTL that is not a positive integer number of seconds. */
export class InvalidTtlError extends InvalidInputError {
  readonly code = "INVALID_TTL";
}

/** The stored item would exceed what the durable store accepts (DynamoDB: 400 KB per item). */
export class SessionTooLargeError extends InvalidInputError {
  readonly code = "SESSION_TOO_LARGE";
  constructor(
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `session item would be ${sizeBytes} bytes; the durable store accepts at most ${limitBytes}`,
    );
  }
}

/** An update of a session that does not exist or has expired. */
export class SessionNotFoundError extends SessionStoreError {
  readonly code = "SESSION_NOT_FOUND";
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} does not exist or has expired`);
  }
}

/** A create with an explicit id that a live session already has. */
export class SessionExistsError extends SessionStoreError {
  readonly code = "SESSION_EXISTS";
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} already exists`);
  }
}

/** Concurrent writers kept changing the session; the write was not applied. */
export class ConcurrentUpdateError extends SessionStoreError {
  readonly code = "CONCURRENT_UPDATE";
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} changed concurrently too many times; nothing was written`);
  }
}

/** The operation needed a store that could not be reached; nothing was acknowledged. */
export class StoreUnavailableError extends SessionStoreError {
  readonly code = "STORE_UNAVAILABLE";
  constructor(
    readonly store: "cache" | "dynamodb" | "both",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The write may or may not have been applied: DynamoDB (or the cache shard holding the journal)
 * took it but did not confirm in time. Read the session again to learn what happened.
 */
export class OutcomeUnknownError extends SessionStoreError {
  readonly code = "OUTCOME_UNKNOWN";
}

/** The store was used after `close()`. */
export class StoreClosedError extends SessionStoreError {
  readonly code = "STORE_CLOSED";
  constructor() {
    super("the session store is closed");
  }
}

export const isOutcomeUnknown = (e: unknown): e is OutcomeUnknownError =>
  e instanceof OutcomeUnknownError;

export const isSessionStoreError = (e: unknown): e is SessionStoreError =>
  e instanceof SessionStoreError;
export const isInvalidInput = (e: unknown): e is InvalidInputError =>
  e instanceof InvalidInputError;
export const isInvalidSessionId = (e: unknown): e is InvalidSessionIdError =>
  e instanceof InvalidSessionIdError;
export const isInvalidSessionData = (e: unknown): e is InvalidSessionDataError =>
  e instanceof InvalidSessionDataError;
export const isInvalidTtl = (e: unknown): e is InvalidTtlError => e instanceof InvalidTtlError;
export const isSessionTooLarge = (e: unknown): e is SessionTooLargeError =>
  e instanceof SessionTooLargeError;
export const isSessionNotFound = (e: unknown): e is SessionNotFoundError =>
  e instanceof SessionNotFoundError;
export const isSessionExists = (e: unknown): e is SessionExistsError =>
  e instanceof SessionExistsError;
export const isStoreUnavailable = (e: unknown): e is StoreUnavailableError =>
  e instanceof StoreUnavailableError;
