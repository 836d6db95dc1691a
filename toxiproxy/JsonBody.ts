import { messageOf } from "../common/messageOf";
import { badRequestBody } from "./ApiError";

/** A decoded JSON object whose fields are still unchecked. */
export type JsonObject = { readonly [field: string]: unknown };

/**
 * Parses a request body. Like Go's json.Decoder, an empty body is the error "EOF"; any failure is a
 * 400 "bad request body".
 */
export function parseBody(text: string): unknown {
  if (text.trim() === "") throw badRequestBody("EOF");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequestBody(messageOf(error));
  }
}

/** The body as an object; `null` decodes to no fields, as it does into a Go struct. */
export function asObject(value: unknown, goType: string): JsonObject {
  if (value === null) return {};
  if (isObject(value)) return value;
  throw badRequestBody(`json: cannot unmarshal ${jsonType(value)} into Go value of type ${goType}`);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Readers of one field: absent or null leaves the Go field unchanged (undefined here); a value of
// another JSON type is a 400 worded as Go words it.

export function readString(object: JsonObject, field: string, struct: string): string | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  throw mismatch(value, struct, field, "string");
}

export function readBoolean(
  object: JsonObject,
  field: string,
  struct: string,
): boolean | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  throw mismatch(value, struct, field, "bool");
}

/** A Go int64 field: only whole numbers decode. */
export function readInteger(object: JsonObject, field: string, struct: string): number | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  throw mismatch(value, struct, field, "int64");
}

/** A Go float32 field. */
export function readFloat(object: JsonObject, field: string, struct: string): number | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return value;
  throw mismatch(value, struct, field, "float32");
}

function mismatch(value: unknown, struct: string, field: string, goType: string): Error {
  const described = typeof value === "number" ? `number ${value}` : jsonType(value);
  return badRequestBody(
    `json: cannot unmarshal ${described} into Go struct field ${struct}.${field} of type ${goType}`,
  );
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "boolean") return "bool";
  return typeof value;
}
