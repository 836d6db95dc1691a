import type { Json, JsonObject } from "./cfnYaml";

/** One thing wrong with a template: where (a dotted path into it) and what. */
export interface Problem {
  path: string;
  message: string;
}

export const PSEUDO_PARAMETERS: ReadonlySet<string> = new Set([
  "AWS::AccountId",
  "AWS::NotificationARNs",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
]);

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The function name when `value` is an intrinsic function call (`{ "Ref": ... }`,
 * `{ "Fn::Sub": ... }`), otherwise undefined.
 */
export function intrinsicName(value: Json | undefined): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  const [key] = keys;
  if (keys.length !== 1 || key === undefined) return undefined;
  return key === "Ref" || key.startsWith("Fn::") ? key : undefined;
}

/** `{ "Ref": "AWS::NoValue" }`: the property is left out. */
export function isNoValue(value: Json | undefined): boolean {
  return isObject(value) && intrinsicName(value) === "Ref" && value.Ref === "AWS::NoValue";
}

/** The `${Name}` and `${Resource.Attribute}` names a `Fn::Sub` string refers to (not `${!Literal}`). */
export function subVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([^}!][^}]*)\}/g)].map((match) => (match[1] ?? "").trim());
}

/** A parsed template with the lookups every check needs. */
export class Template {
  constructor(readonly json: JsonObject) {}

  section(name: string): JsonObject {
    const value = this.json[name];
    return isObject(value) ? value : {};
  }

  get resources(): JsonObject {
    return this.section("Resources");
  }

  get parameters(): JsonObject {
    return this.section("Parameters");
  }

  get conditions(): JsonObject {
    return this.section("Conditions");
  }

  /** Logical id -> resource body, for the resources of one type. */
  resourcesOfType(type: string): [string, JsonObject][] {
    return Object.entries(this.resources).flatMap(([name, body]) =>
      isObject(body) && body.Type === type ? [[name, body] as [string, JsonObject]] : [],
    );
  }

  typeOf(logicalId: string): string | undefined {
    const body = this.resources[logicalId];
    return isObject(body) && typeof body.Type === "string" ? body.Type : undefined;
  }

  static properties(resource: JsonObject): JsonObject {
    return isObject(resource.Properties) ? resource.Properties : {};
  }

  /**
   * The literal values `value` can take, looking through `Fn::If` branches and parameter defaults;
   * undefined when any of them is only known at deploy time. `AWS::NoValue` branches are skipped.
   */
  candidates(value: Json | undefined): Json[] | undefined {
    if (value === undefined) return [];
    const fn = intrinsicName(value);
    if (fn === undefined) return [value];
    const argument = (value as JsonObject)[fn];
    if (fn === "Ref" && typeof argument === "string") {
      if (argument === "AWS::NoValue") return [];
      const parameter = this.parameters[argument];
      return isObject(parameter) && parameter.Default !== undefined
        ? [parameter.Default]
        : undefined;
    }
    if (fn === "Fn::If" && Array.isArray(argument) && argument.length === 3) {
      const branches = argument.slice(1).map((branch) => this.candidates(branch));
      if (branches.some((branch) => branch === undefined)) return undefined;
      return branches.flatMap((branch) => branch ?? []);
    }
    return undefined;
  }

  /** The logical ids of the resources `value` mentions through Ref, GetAtt or Sub, at any depth. */
  referencedResources(value: Json | undefined): Set<string> {
    const found = new Set<string>();
    const visit = (node: Json | undefined): void => {
      if (Array.isArray(node)) {
        for (const item of node) visit(item);
        return;
      }
      if (!isObject(node)) return;
      const fn = intrinsicName(node);
      const argument = fn === undefined ? undefined : node[fn];
      if (fn === "Ref" && typeof argument === "string") found.add(argument);
      if (fn === "Fn::GetAtt") {
        const target = Array.isArray(argument) ? argument[0] : argument;
        if (typeof target === "string") found.add(target.split(".")[0] ?? target);
      }
      if (fn === "Fn::Sub") {
        const text = Array.isArray(argument) ? argument[0] : argument;
        if (typeof text === "string") {
          for (const name of subVariables(text)) found.add(name.split(".")[0] ?? name);
        }
      }
      for (const child of Object.values(node)) visit(child);
    };
    visit(value);
    for (const name of [...found]) if (!isObject(this.resources[name])) found.delete(name);
    return found;
  }
}

/** Records one problem: where in the template, and what is wrong there. */
export type Report = (path: string, message: string) => void;

/** A value CloudFormation accepts as one item or a list of them, as a list. */
export function asList(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function isTrue(value: Json): boolean {
  return value === true || value === "true";
}
