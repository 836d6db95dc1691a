import type { Json, JsonObject } from "./cfnYaml";
import { ReferenceChecker } from "./ReferenceChecker";
import type { PropertyType, ServiceSpec, TypeDefinition } from "./ServiceSpec";
import {
  intrinsicName,
  isNoValue,
  isObject,
  type Problem,
  type Report,
  type Template,
} from "./Template";

const TEMPLATE_SECTIONS = new Set([
  "AWSTemplateFormatVersion",
  "Description",
  "Metadata",
  "Parameters",
  "Rules",
  "Mappings",
  "Conditions",
  "Transform",
  "Resources",
  "Outputs",
]);

const RESOURCE_KEYS = new Set([
  "Type",
  "Properties",
  "DependsOn",
  "Condition",
  "DeletionPolicy",
  "UpdateReplacePolicy",
  "Metadata",
  "CreationPolicy",
  "UpdatePolicy",
]);

const DELETION_POLICIES = new Set(["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"]);

const PARAMETER_TYPE =
  /^(String|Number|List<Number>|CommaDelimitedList|AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+|List<AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+>|AWS::SSM::Parameter::Name|AWS::SSM::Parameter::Value<.+>)$/;

/**
 * Checks a template against the CloudFormation resource schemas: sections, resource types, property
 * names, required properties, value types (nested property types included), and every reference
 * (Ref, Fn::GetAtt, Fn::Sub, Fn::If conditions, Fn::FindInMap, DependsOn).
 */
export function checkAgainstSchemas(template: Template, spec: ServiceSpec): Problem[] {
  const problems: Problem[] = [];
  const report = (path: string, message: string): void => {
    problems.push({ path, message });
  };

  for (const key of Object.keys(template.json)) {
    if (!TEMPLATE_SECTIONS.has(key)) report(key, `unknown template section ${key}`);
  }
  if (Object.keys(template.resources).length === 0) {
    report("Resources", "a template needs at least one resource");
  }
  checkParameters(template, report);
  const references = new ReferenceChecker(template, spec, report);
  for (const [name, condition] of Object.entries(template.conditions)) {
    references.walk(condition, `Conditions.${name}`, "Conditions");
  }
  for (const [name, resource] of Object.entries(template.resources)) {
    const path = `Resources.${name}`;
    if (!isObject(resource)) {
      report(path, "a resource must be a mapping");
      continue;
    }
    checkResource(template, spec, resource, path, report);
    references.walk(resource, path, "Resources");
  }
  for (const [name, output] of Object.entries(template.section("Outputs"))) {
    const path = `Outputs.${name}`;
    if (!isObject(output) || output.Value === undefined) {
      report(path, "an output needs a Value");
      continue;
    }
    if (typeof output.Condition === "string" && !(output.Condition in template.conditions)) {
      report(`${path}.Condition`, `unknown condition ${output.Condition}`);
    }
    references.walk(output, path, "Outputs");
  }
  return problems;
}

function checkParameters(template: Template, report: Report): void {
  for (const [name, parameter] of Object.entries(template.parameters)) {
    const path = `Parameters.${name}`;
    if (!isObject(parameter) || typeof parameter.Type !== "string") {
      report(path, "a parameter needs a Type");
      continue;
    }
    if (!PARAMETER_TYPE.test(parameter.Type)) {
      report(`${path}.Type`, `unknown parameter type ${parameter.Type}`);
    }
    const allowed = parameter.AllowedValues;
    if (Array.isArray(allowed) && parameter.Default !== undefined) {
      if (!allowed.map(String).includes(String(parameter.Default))) {
        report(`${path}.Default`, `default ${String(parameter.Default)} is not in AllowedValues`);
      }
    }
  }
}

function checkResource(
  template: Template,
  spec: ServiceSpec,
  resource: JsonObject,
  path: string,
  report: Report,
): void {
  for (const key of Object.keys(resource)) {
    if (!RESOURCE_KEYS.has(key)) report(`${path}.${key}`, `unknown resource attribute ${key}`);
  }
  for (const key of ["DeletionPolicy", "UpdateReplacePolicy"]) {
    const policy = resource[key];
    if (typeof policy === "string" && !DELETION_POLICIES.has(policy)) {
      report(`${path}.${key}`, `unknown ${key} ${policy}`);
    }
  }
  if (typeof resource.Condition === "string" && !(resource.Condition in template.conditions)) {
    report(`${path}.Condition`, `unknown condition ${resource.Condition}`);
  }
  const dependsOn =
    typeof resource.DependsOn === "string" ? [resource.DependsOn] : resource.DependsOn;
  if (Array.isArray(dependsOn)) {
    for (const target of dependsOn) {
      if (typeof target !== "string" || !isObject(template.resources[target])) {
        report(`${path}.DependsOn`, `DependsOn names no resource: ${String(target)}`);
      }
    }
  }

  const type = resource.Type;
  if (typeof type !== "string") {
    report(`${path}.Type`, "a resource needs a Type");
    return;
  }
  // Custom resources take whatever properties their provider defines.
  if (type.startsWith("Custom::") || type === "AWS::CloudFormation::CustomResource") return;
  if (type.startsWith("AWS::Serverless::") && template.json.Transform !== undefined) return;
  const schema = spec.resource(type);
  if (schema === undefined) {
    report(`${path}.Type`, `unknown resource type ${type}`);
    return;
  }
  const properties = resource.Properties ?? {};
  if (intrinsicName(properties) !== undefined) return;
  if (!isObject(properties)) {
    report(`${path}.Properties`, "Properties must be a mapping");
    return;
  }
  new ValueChecker(spec, report).checkObject(
    properties,
    schema.properties,
    `${path}.Properties`,
    type,
  );
}

/** Checks values against the schema's property types. Intrinsic functions stand for any value. */
class ValueChecker {
  constructor(
    private readonly spec: ServiceSpec,
    private readonly report: Report,
  ) {}

  checkObject(
    value: JsonObject,
    properties: TypeDefinition["properties"],
    path: string,
    owner: string,
  ): void {
    // Some schemas describe a free-form object as a type without properties.
    if (Object.keys(properties).length === 0) return;
    for (const [name, propertyValue] of Object.entries(value)) {
      const property = properties[name];
      if (property === undefined) {
        this.report(`${path}.${name}`, `unknown property ${name} of ${owner}`);
        continue;
      }
      this.checkValue(propertyValue, property.type, `${path}.${name}`);
    }
    for (const [name, property] of Object.entries(properties)) {
      if (property.required && (value[name] === undefined || value[name] === null)) {
        this.report(`${path}.${name}`, `missing required property ${name} of ${owner}`);
      }
    }
  }

  checkValue(value: Json, type: PropertyType, path: string): void {
    const fn = intrinsicName(value);
    if (fn === "Fn::If" && isObject(value) && Array.isArray(value[fn])) {
      // Both branches must fit; AWS::NoValue leaves the property out.
      for (const branch of (value[fn] as Json[]).slice(1)) {
        if (!isNoValue(branch)) this.checkValue(branch, type, path);
      }
      return;
    }
    if (fn !== undefined) return;
    switch (type.type) {
      case "json":
      case "null":
        return;
      case "string":
      case "date-time":
        if (typeof value === "object" && value !== null) {
          this.mismatch(path, "a string", value);
        } else if (
          type.type === "string" &&
          type.allowedValues !== undefined &&
          typeof value === "string" &&
          !type.allowedValues.includes(value)
        ) {
          this.report(path, `${value} is not one of ${type.allowedValues.join(", ")}`);
        }
        return;
      case "number":
      case "integer":
        if (!isNumeric(value, type.type === "integer"))
          this.mismatch(path, `an ${type.type}`, value);
        return;
      case "boolean":
        if (typeof value !== "boolean" && value !== "true" && value !== "false") {
          this.mismatch(path, "a boolean", value);
        }
        return;
      case "tag":
        this.checkTag(value, path);
        return;
      case "array":
        if (!Array.isArray(value)) {
          this.mismatch(path, "a list", value);
          return;
        }
        value.forEach((item, index) => {
          this.checkValue(item, type.element, `${path}.${index}`);
        });
        return;
      case "map":
        if (!isObject(value)) {
          this.mismatch(path, "a mapping", value);
          return;
        }
        for (const [key, item] of Object.entries(value)) {
          this.checkValue(item, type.element, `${path}.${key}`);
        }
        return;
      case "ref": {
        const definition = this.spec.typeDefinition(type);
        if (!isObject(value)) {
          this.mismatch(path, `a ${definition.name} mapping`, value);
          return;
        }
        this.checkObject(value, definition.properties, path, definition.name);
        return;
      }
      case "union":
        this.checkUnion(value, type.types, path);
        return;
    }
  }

  private checkUnion(value: Json, types: PropertyType[], path: string): void {
    const shape = shapeOfValue(value);
    const fitting = types.filter((type) => shapesOfType(type).includes(shape));
    // A `json` alternative accepts anything; a stricter alternative of the same shape is preferred
    // so that e.g. DynamoDB KeySchema items are still checked.
    const strict = fitting.filter((type) => type.type !== "json");
    if (strict.length === 0) {
      if (fitting.length === 0) this.mismatch(path, describeTypes(types), value);
      return;
    }
    const attempts = strict.map((type) => {
      const found: Problem[] = [];
      new ValueChecker(this.spec, (p, message) => found.push({ path: p, message })).checkValue(
        value,
        type,
        path,
      );
      return found;
    });
    if (attempts.some((found) => found.length === 0)) return;
    for (const problem of attempts[0] ?? []) this.report(problem.path, problem.message);
  }

  private checkTag(value: Json, path: string): void {
    if (!isObject(value)) {
      this.mismatch(path, "a tag { Key, Value }", value);
      return;
    }
    for (const key of Object.keys(value)) {
      if (key !== "Key" && key !== "Value")
        this.report(`${path}.${key}`, `unknown tag field ${key}`);
    }
    for (const key of ["Key", "Value"]) {
      const field = value[key];
      if (field === undefined) this.report(`${path}.${key}`, `a tag needs ${key}`);
      else if (isObject(field) && intrinsicName(field) === undefined) {
        this.mismatch(`${path}.${key}`, "a string", field);
      } else if (Array.isArray(field)) this.mismatch(`${path}.${key}`, "a string", field);
    }
  }

  private mismatch(path: string, expected: string, value: Json): void {
    this.report(path, `expected ${expected}, got ${describeValue(value)}`);
  }
}

type Shape = "scalar" | "list" | "mapping";

function shapeOfValue(value: Json): Shape {
  if (Array.isArray(value)) return "list";
  return isObject(value) ? "mapping" : "scalar";
}

function shapesOfType(type: PropertyType): Shape[] {
  switch (type.type) {
    case "json":
      return ["scalar", "list", "mapping"];
    case "array":
      return ["list"];
    case "map":
    case "ref":
    case "tag":
      return ["mapping"];
    case "union":
      return type.types.flatMap(shapesOfType);
    default:
      return ["scalar"];
  }
}

function describeTypes(types: PropertyType[]): string {
  return types.map((type) => type.type).join(" or ");
}

function describeValue(value: Json): string {
  if (Array.isArray(value)) return "a list";
  if (isObject(value)) return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

// CloudFormation converts numeric strings, so "3" is as good as 3.
function isNumeric(value: Json, integer: boolean): boolean {
  const number =
    typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  if (typeof value === "string" && value.trim() === "") return false;
  return Number.isFinite(number) && (!integer || Number.isInteger(number));
}
