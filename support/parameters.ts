import { defineParameterType } from "@cucumber/cucumber";
import type { SessionSource } from "../store";

const UNIT_SECONDS: Record<string, number> = { second: 1, minute: 60, hour: 3600 };

/** "90 seconds", "30 minutes", "1 hour" -> seconds. */
defineParameterType({
  name: "duration",
  regexp: /(\d+) (second|minute|hour)s?/,
  transformer: (amount: string, unit: string) =>
    Number(amount) * (UNIT_SECONDS[unit] ?? Number.NaN),
});

/** "the cache" | "DynamoDB" -> where a session was read from. */
defineParameterType({
  name: "store",
  regexp: /the cache|DynamoDB/,
  transformer: (name: string): SessionSource => (name === "the cache" ? "cache" : "dynamodb"),
});

/** "the user", "user 3" -> the key of a user's session in the World. */
defineParameterType({
  name: "user",
  regexp: /the user|user \d+/,
  transformer: (name: string) => name,
});
