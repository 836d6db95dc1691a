import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Json, type JsonObject, parseTemplate } from "../../infra/cfnYaml";

export const TEMPLATE_PATH = join(__dirname, "..", "..", "infra", "elasticache-valkey-stack.yaml");

// Parsed once: reading YAML costs tens of milliseconds, cloning the result almost nothing.
const PARSED = parseTemplate(readFileSync(TEMPLATE_PATH, "utf8"));

export function fixtureText(name: string): string {
  return readFileSync(join(__dirname, "fixtures", name), "utf8");
}

/** A fresh structured copy of the real template, safe to mutate. */
export function realTemplate(): JsonObject {
  const { template, errors } = PARSED;
  if (template === undefined) {
    throw new Error(`the real template does not parse: ${errors.join("; ")}`);
  }
  return structuredClone(template);
}

/** The real template with one change applied, as text (JSON is YAML). */
export function mutated(change: (template: JsonObject) => void): string {
  const template = realTemplate();
  change(template);
  return JSON.stringify(template, null, 2);
}

/** A mapping inside a template, by path; throws when the path leads elsewhere. */
export function at(root: JsonObject, ...path: (string | number)[]): JsonObject {
  let node: Json | undefined = root;
  for (const step of path) {
    node = Array.isArray(node)
      ? node[Number(step)]
      : isMapping(node)
        ? node[String(step)]
        : undefined;
  }
  if (!isMapping(node)) throw new Error(`no mapping at ${path.join(".")}`);
  return node;
}

/** The Properties of a resource of the template. */
export function props(root: JsonObject, resource: string): JsonObject {
  return at(root, "Resources", resource, "Properties");
}

function isMapping(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The runner's first-boot script: the Fn::Sub text inside UserData's Fn::Base64. */
export function userDataScript(): string {
  const base64 = at(props(realTemplate(), "RunnerInstance"), "UserData")["Fn::Base64"];
  const script = isMapping(base64) ? base64["Fn::Sub"] : undefined;
  if (typeof script !== "string")
    throw new Error("UserData is not Fn::Base64 of an Fn::Sub string");
  return script;
}

/**
 * The files the first-boot script writes with `printf '%s\n' 'line' ... > path`, by path, each
 * as the text printf produces.
 */
export function filesWrittenByUserData(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const line of userDataScript().split("\n")) {
    const written = /^printf '%s\\n' (.*) > (\S+)$/.exec(line.trim());
    if (!written?.[1] || !written[2]) continue;
    const words = [...written[1].matchAll(/'([^']*)'/g)].map((word) => word[1]);
    files[written[2]] = words.map((word) => `${word}\n`).join("");
  }
  return files;
}
