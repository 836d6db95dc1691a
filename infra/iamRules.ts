import type { Json, JsonObject } from "./cfnYaml";
import { asList, isObject, type Report, Template } from "./Template";

/** The project's IAM rules: least privilege, each statement on this template's own resources. */
/** Action prefixes whose statements must name this template's resources, by resource type. */
const SCOPED_SERVICES: Readonly<Record<string, string>> = {
  dynamodb: "AWS::DynamoDB::Table",
  s3: "AWS::S3::Bucket",
};

export function checkPolicies(template: Template, report: Report): void {
  for (const [name, resource] of Object.entries(template.resources)) {
    if (!isObject(resource)) continue;
    const properties = Template.properties(resource);
    const path = `Resources.${name}.Properties`;
    if (resource.Type === "AWS::IAM::Policy" || resource.Type === "AWS::IAM::ManagedPolicy") {
      checkPolicyDocument(template, properties.PolicyDocument, `${path}.PolicyDocument`, report);
    }
    if (
      (resource.Type === "AWS::IAM::Role" ||
        resource.Type === "AWS::IAM::User" ||
        resource.Type === "AWS::IAM::Group") &&
      Array.isArray(properties.Policies)
    ) {
      properties.Policies.forEach((policy, index) => {
        if (isObject(policy)) {
          const policyPath = `${path}.Policies.${index}.PolicyDocument`;
          checkPolicyDocument(template, policy.PolicyDocument, policyPath, report);
        }
      });
    }
  }
}

function checkPolicyDocument(
  template: Template,
  document: Json | undefined,
  path: string,
  report: Report,
): void {
  let parsed = document;
  if (typeof document === "string") {
    try {
      parsed = JSON.parse(document) as Json;
    } catch {
      report(path, "the policy document is not valid JSON");
      return;
    }
  }
  if (!isObject(parsed)) return;
  const statements = Array.isArray(parsed.Statement)
    ? parsed.Statement
    : [parsed.Statement ?? null];
  statements.forEach((statement, index) => {
    if (isObject(statement))
      checkStatement(template, statement, `${path}.Statement.${index}`, report);
  });
}

function checkStatement(
  template: Template,
  statement: JsonObject,
  path: string,
  report: Report,
): void {
  if (statement.Effect !== "Allow") return;
  if (statement.NotAction !== undefined) {
    report(`${path}.NotAction`, "Allow with NotAction grants every other action");
  }
  const actions = asList(statement.Action).filter(
    (action): action is string => typeof action === "string",
  );
  const services = new Set<string>();
  for (const action of actions) {
    const [service = "", verb = ""] = action.toLowerCase().split(":");
    if (action === "*" || verb === "*") {
      report(`${path}.Action`, `${action} grants every action; name the actions needed`);
    } else if (service in SCOPED_SERVICES && verb.includes("*")) {
      report(`${path}.Action`, `${action} is a wildcard; name the ${service} actions needed`);
    }
    if (service in SCOPED_SERVICES) services.add(service);
  }
  if (services.size === 0) return;
  const allowedTypes = [...services].map((service) => SCOPED_SERVICES[service]);
  if (statement.NotResource !== undefined) {
    report(
      `${path}.NotResource`,
      `${[...services].join("/")} actions must name resources, not exclude them`,
    );
  }
  const resources = asList(statement.Resource);
  if (resources.length === 0 && statement.NotResource === undefined) {
    report(`${path}.Resource`, `${[...services].join("/")} actions need a Resource`);
  }
  for (const resource of resources) {
    const literal = template.candidates(resource);
    if (literal?.some((value) => value === "*")) {
      report(
        `${path}.Resource`,
        `Resource "*" for ${[...services].join("/")} actions; scope them to this stack's ARNs`,
      );
      continue;
    }
    const targets = [...template.referencedResources(resource)];
    if (!targets.some((id) => allowedTypes.includes(template.typeOf(id)))) {
      report(
        `${path}.Resource`,
        `${[...services].join("/")} actions must be scoped to this template's ${allowedTypes.join(" or ")}, got ${JSON.stringify(resource)}`,
      );
    }
  }
}
