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
