import type { Json, JsonObject } from "./cfnYaml";
import type { ServiceSpec } from "./ServiceSpec";
import { isObject, PSEUDO_PARAMETERS, type Report, subVariables, type Template } from "./Template";

export const INTRINSIC_FUNCTIONS = new Set([
  "Ref",
  "Fn::Base64",
  "Fn::Cidr",
  "Fn::FindInMap",
  "Fn::GetAtt",
  "Fn::GetAZs",
  "Fn::ImportValue",
  "Fn::Join",
  "Fn::Select",
  "Fn::Split",
  "Fn::Sub",
  "Fn::Transform",
  "Fn::Length",
  "Fn::ToJsonString",
  "Fn::If",
  "Fn::Equals",
  "Fn::Not",
  "Fn::And",
  "Fn::Or",
]);

export type Section = "Conditions" | "Resources" | "Outputs";

/** Walks a template value and checks every intrinsic function call and what it names. */
export class ReferenceChecker {
  constructor(
    private readonly template: Template,
    private readonly spec: ServiceSpec,
    private readonly report: Report,
  ) {}

  walk(value: Json | undefined, path: string, section: Section): void {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        this.walk(item, `${path}.${index}`, section);
      });
      return;
    }
    if (!isObject(value)) return;
    const keys = Object.keys(value);
    const [key] = keys;
    if (keys.length === 1 && key !== undefined) {
      if (key.startsWith("Fn::") && !INTRINSIC_FUNCTIONS.has(key)) {
        this.report(`${path}.${key}`, `unknown intrinsic function ${key}`);
      }
      this.checkCall(key, value[key] ?? null, `${path}.${key}`, section);
    }
    for (const [childKey, child] of Object.entries(value)) {
      this.walk(child, `${path}.${childKey}`, section);
    }
  }

  private checkCall(fn: string, argument: Json, path: string, section: Section): void {
    switch (fn) {
      case "Ref":
        if (typeof argument !== "string") this.report(path, "Ref takes a logical name");
        else this.checkRef(argument, path, section);
        return;
      case "Fn::GetAtt":
        this.checkGetAtt(argument, path);
        return;
      case "Fn::Sub":
        this.checkSub(argument, path, section);
        return;
      case "Fn::If": {
        const name = Array.isArray(argument) && argument.length === 3 ? argument[0] : undefined;
        if (typeof name !== "string") this.report(path, "Fn::If takes [condition, then, else]");
        else this.checkCondition(name, path);
        return;
      }
      case "Condition":
        if (section === "Conditions" && typeof argument === "string") {
          this.checkCondition(argument, path);
        }
        return;
      case "Fn::FindInMap": {
        const map = Array.isArray(argument) ? argument[0] : undefined;
        if (typeof map === "string" && !(map in this.template.section("Mappings"))) {
          this.report(path, `unknown mapping ${map}`);
        }
        return;
      }
      default:
        return;
    }
  }

  private checkRef(name: string, path: string, section: Section): void {
    if (PSEUDO_PARAMETERS.has(name) || name in this.template.parameters) return;
    if (name in this.template.resources) {
      if (section === "Conditions") {
        this.report(path, `a condition can only refer to parameters, not to resource ${name}`);
      }
      return;
    }
    this.report(path, `Ref names no parameter, resource or pseudo parameter: ${name}`);
  }

  private checkCondition(name: string, path: string): void {
    if (!(name in this.template.conditions)) this.report(path, `unknown condition ${name}`);
  }

  private checkGetAtt(argument: Json, path: string): void {
    const dot = typeof argument === "string" ? argument.indexOf(".") : -1;
    const parts =
      typeof argument === "string"
        ? dot < 0
          ? [argument]
          : [argument.slice(0, dot), argument.slice(dot + 1)]
        : argument;
    if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== "string") {
      this.report(path, "Fn::GetAtt takes [resource, attribute]");
      return;
    }
    const [resource, attribute] = parts;
    // An attribute chosen at deploy time (e.g. !Ref) cannot be checked here.
    if (typeof attribute === "string") this.checkAttribute(resource, attribute, path);
    else if (!(resource in this.template.resources)) {
      this.report(path, `Fn::GetAtt names no resource: ${resource}`);
    }
  }

  private checkAttribute(resource: string, attribute: string, path: string): void {
    const type = this.template.typeOf(resource);
    if (type === undefined) {
      this.report(path, `Fn::GetAtt names no resource: ${resource}`);
      return;
    }
    const schema = this.spec.resource(type);
    // Unknown types are reported once, at the resource; custom resources have free attributes.
    if (schema === undefined) return;
    if (type === "AWS::CloudFormation::Stack" && attribute.startsWith("Outputs.")) return;
    if (!(attribute in schema.attributes)) {
      const known = Object.keys(schema.attributes).join(", ") || "none";
      this.report(path, `${type} has no attribute ${attribute} (it has: ${known})`);
    }
  }

  private checkSub(argument: Json, path: string, section: Section): void {
    const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
    if (typeof text !== "string") {
      this.report(path, "Fn::Sub takes a string or [string, variables]");
      return;
    }
    const local = isObject(variables ?? null) ? Object.keys(variables as JsonObject) : [];
    for (const name of subVariables(text)) {
      if (local.includes(name)) continue;
      const dot = name.indexOf(".");
      if (dot < 0) this.checkRef(name, path, section);
      else this.checkAttribute(name.slice(0, dot), name.slice(dot + 1), path);
    }
  }
}
