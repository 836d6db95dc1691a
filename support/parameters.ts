import { defineParameterType } from "@cucumber/cucumber";
import type { SessionSource } from "../store";
import { FAULT_PATTERN, type Fault, faultNamed, HEALING_PATTERN } from "./faults/catalog";

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

/** A fault in the scenario's words, as listed in support/faults/catalog.ts. */
defineParameterType({
  name: "fault",
  regexp: FAULT_PATTERN,
  transformer: (words: string): Fault => faultNamed(words),
});

/** The words that say a fault is over ("the cache comes back"): the fault they heal. */
defineParameterType({
  name: "healing",
  regexp: HEALING_PATTERN,
  transformer: (words: string): Fault => faultNamed(words),
});

/** What a user tries while a fault lasts. */
defineParameterType({
  name: "operation",
  regexp: /sign in|read the session|change the session|extend the session|sign out/,
  transformer: (words: string) => words,
});

/** "app server A" -> "A": one of the scenario's app servers. */
defineParameterType({
  name: "server",
  regexp: /[A-C]/,
  transformer: (letter: string) => letter,
});
