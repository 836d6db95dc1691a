import { errorCodes } from "fastify";
import {
  isInvalidInput,
  isOutcomeUnknown,
  isSessionNotFound,
  isSessionStoreError,
  isStoreUnavailable,
  StoreClosedError,
} from "../store";

/** The body of every error response. `code` is stable; `message` is for people. */
export interface ErrorBody {
  error: { code: string; message: string };
}

export interface HttpError {
  status: number;
  body: ErrorBody;
}

const httpError = (status: number, code: string, message: string): HttpError => ({
  status,
  body: { error: { code, message } },
});

/** Any thrown value that is not ours, decided by class (never by message text). */
function fromFramework(error: unknown): HttpError | undefined {
  if (error instanceof errorCodes.FST_ERR_CTP_BODY_TOO_LARGE)
    return httpError(413, "BODY_TOO_LARGE", "the request body is larger than this service accepts");
  if (
    error instanceof errorCodes.FST_ERR_CTP_INVALID_JSON_BODY ||
    error instanceof errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY
  )
    return httpError(400, "MALFORMED_JSON", "the request body is not valid JSON");
  if (error instanceof errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE)
    return httpError(415, "UNSUPPORTED_MEDIA_TYPE", "send the request body as application/json");
  if (error instanceof errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH)
    return httpError(400, "BAD_CONTENT_LENGTH", "the body's length differs from Content-Length");
  return undefined;
}

/** The status of a store error, decided by its class. */
function statusOf(error: unknown): number {
  if (isInvalidInput(error)) return 400;
  if (isSessionNotFound(error)) return 404;
  if (error instanceof StoreClosedError || isStoreUnavailable(error) || isOutcomeUnknown(error))
    return 503;
  // SessionExistsError, ConcurrentUpdateError: the request conflicts with the session's state.
  return 409;
}

/** The status and body for an error a route or Fastify raised. */
export function toHttpError(error: unknown): HttpError {
  if (isSessionStoreError(error)) return httpError(statusOf(error), error.code, error.message);
  const framework = fromFramework(error);
  if (framework) return framework;
  if (error instanceof Error && "validation" in error && Array.isArray(error.validation))
    return httpError(400, "VALIDATION_FAILED", error.message);
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500)
    return httpError(status, "BAD_REQUEST", "the request cannot be served as sent");
  return httpError(500, "INTERNAL_ERROR", "the service failed to answer; see its log");
}

export const notFound = (what: string): HttpError => httpError(404, "SESSION_NOT_FOUND", what);
export const routeNotFound = (method: string, url: string): HttpError =>
  httpError(404, "ROUTE_NOT_FOUND", `no route ${method} ${url.split("?")[0]}`);
export const methodNotAllowed = (method: string, allowed: string[]): HttpError =>
  httpError(405, "METHOD_NOT_ALLOWED", `${method} is not allowed here; use ${allowed.join(", ")}`);
