import { SessionStoreError } from "../../store";

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
