/**
 * An error the HTTP API answers with, as Toxiproxy 2.x does: the body is
 * `{"error": message, "status": status}`. Handlers decide on these classes, never on message text.
 */
export abstract class ApiError extends Error {
  abstract readonly status: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}

/** The request body cannot be read, lacks a required field, or names no valid stream or type. */
export class BadRequestError extends ApiError {
  readonly status = 400;
}

/** No proxy or toxic has the name in the path. */
export class NotFoundError extends ApiError {
  readonly status = 404;
}

/** A proxy or toxic with that name already exists. */
export class ConflictError extends ApiError {
  readonly status = 409;
}

/** A proxy could not start listening (address in use, unresolvable host, port missing). */
export class ListenError extends ApiError {
  readonly status = 500;
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

// The messages below are Toxiproxy's own (api.go), so clients that show them read the same.
export const badRequestBody = (reason: string): BadRequestError =>
  new BadRequestError(`bad request body: ${reason}`);
export const missingField = (field: string): BadRequestError =>
  new BadRequestError(`missing required field: ${field}`);
export const proxyNotFound = (): NotFoundError => new NotFoundError("proxy not found");
export const proxyAlreadyExists = (): ConflictError => new ConflictError("proxy already exists");
export const invalidStream = (): BadRequestError =>
  new BadRequestError("stream was invalid, can be either upstream or downstream");
export const invalidToxicType = (): BadRequestError => new BadRequestError("invalid toxic type");
export const toxicAlreadyExists = (): ConflictError => new ConflictError("toxic already exists");
export const toxicNotFound = (): NotFoundError => new NotFoundError("toxic not found");
