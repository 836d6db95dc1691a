import { SessionStoreError } from "../store";

/** An error response of the session service, `{ error: { code, message } }`, as a typed store error. */
export class RemoteStoreError extends SessionStoreError {
  constructor(
    /** The HTTP status the service answered with. */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * No answer came (a timeout, a reset, a server that died): the operation may or may not have
 * been applied. A history records it as `info`.
 */
export class NoAnswerError extends SessionStoreError {
  readonly code = "NO_ANSWER";
}
