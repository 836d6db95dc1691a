import { randomBytes } from "node:crypto";

/** Inputs the store must reject, by the words a scenario uses for them. */
export interface BadInput {
  data?: unknown;
  ttlSeconds?: unknown;
  sessionId?: unknown;
}

const GOOD_DATA = { user: "ada" };

const NAMED: Record<string, () => BadInput> = {
  "data holding a function": () => ({ data: { user: "ada", onClick: () => "clicked" } }),
  "data with a cycle": () => {
    const data: Record<string, unknown> = { user: "ada" };
    data.self = data;
    return { data };
  },
  "no data at all": () => ({ data: undefined }),
  "data holding a BigInt": () => ({ data: { user: "ada", balance: 10n } }),
  "data holding NaN": () => ({ data: { user: "ada", score: Number.NaN } }),
  "a lifetime given as text": () => ({ data: GOOD_DATA, ttlSeconds: "60" }),
  "an id with a slash": () => ({ data: GOOD_DATA, sessionId: "abcdefghijklmnopqrstuv/x" }),
};

/** The input a phrase names: a named case, "a lifetime of N seconds", "data of N KB", `the id "X"` or "an id of N characters". */
export function badInput(problem: string): BadInput {
  const named = NAMED[problem];
  if (named) return named();
  const lifetime = /^a lifetime of (.+) seconds$/.exec(problem);
  if (lifetime) return { data: GOOD_DATA, ttlSeconds: Number(lifetime[1]) };
  const size = /^data of (\d+) KB$/.exec(problem);
  if (size) return { data: sizedData(Number(size[1]) * 1024) };
  const id = /^the id "(.*)"$/.exec(problem);
  if (id) return { data: GOOD_DATA, sessionId: id[1] };
  const length = /^an id of (\d+) characters$/.exec(problem);
  if (length) return { data: GOOD_DATA, sessionId: idOfLength(Number(length[1])) };
  throw new Error(
    `no bad input is called "${problem}"; known: ${Object.keys(NAMED).join(", ")}, "a lifetime of N seconds", "data of N KB", the id "X", "an id of N characters"`,
  );
}

/** Session data whose JSON is `bytes` long. */
export function sizedData(bytes: number): { blob: string } {
  return { blob: "x".repeat(Math.max(0, bytes - '{"blob":""}'.length)) };
}

/** A random base64url id of exactly `length` characters. */
export function idOfLength(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4))
    .toString("base64url")
    .slice(0, length);
}
