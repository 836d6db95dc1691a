import { createTableInput, SESSION_TABLE } from "../store/TableSchema";
import type { Json, JsonObject } from "./cfnYaml";
import { checkPolicies } from "./iamRules";
import type { ServiceSpec } from "./ServiceSpec";
import {
  asList,
  intrinsicName,
  isObject,
  isTrue,
  type Problem,
  type Report,
  Template,
} from "./Template";
/**
 * The project's own rules, beyond what the resource schemas can say: cache settings that fail at
 * deploy time or weaken failover, network exposure, IMDSv2, least-privilege IAM, the session table's
 * agreement with store/TableSchema.ts, tags, alarm metrics, and no hard-coded region.
 */
export function checkProjectRules(template: Template, spec: ServiceSpec): Problem[] {
  const problems: Problem[] = [];
  const report = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  checkReplicationGroups(template, report);
  checkIngress(template, report);
  checkMetadataOptions(template, report);
  checkPolicies(template, report);
  checkSessionTables(template, report);
  checkTags(template, spec, report);
  checkAlarmMetrics(template, spec, report);
  checkRegionLiterals(template, report);
  return problems;
}

const MAX_REPLICAS_PER_NODE_GROUP = 5;

function checkReplicationGroups(template: Template, report: Report): void {
  for (const [name, resource] of template.resourcesOfType("AWS::ElastiCache::ReplicationGroup")) {
    const path = `Resources.${name}.Properties`;
    const properties = Template.properties(resource);
    // Without Engine, ElastiCache creates Redis OSS; an engine known only at deploy time gets the
    // engine-independent rules.
    const engines =
      properties.Engine === undefined
        ? ["redis"]
        : template.candidates(properties.Engine)?.map((e) => String(e).toLowerCase());
    if (engines !== undefined && !engines.some((e) => e === "valkey" || e === "redis")) continue;

    // The default changed across engine versions and consoles; the client's TLS setting must match.
    if (!("TransitEncryptionEnabled" in properties)) {
      report(`${path}.TransitEncryptionEnabled`, "state TransitEncryptionEnabled explicitly");
    }

    const parameterGroup = parameterGroupFamily(template, properties.CacheParameterGroupName);
    const shards = template.candidates(properties.NumNodeGroups) ?? [];
    const clusterMode =
      shards.some((count) => Number(count) > 1) ||
      parameterGroup?.clusterOn === true ||
      (template.candidates(properties.ClusterMode) ?? []).some(
        (mode) => String(mode).toLowerCase() === "enabled",
      );
    if (clusterMode) {
      const failover = template.candidates(properties.AutomaticFailoverEnabled);
      if (failover === undefined || failover.length === 0 || !failover.every(isTrue)) {
        report(
          `${path}.AutomaticFailoverEnabled`,
          "cluster mode requires AutomaticFailoverEnabled: true",
        );
      }
    }

    for (const replicas of template.candidates(properties.ReplicasPerNodeGroup) ?? []) {
      const count = Number(replicas);
      if (!Number.isInteger(count) || count < 0 || count > MAX_REPLICAS_PER_NODE_GROUP) {
        report(
          `${path}.ReplicasPerNodeGroup`,
          `ReplicasPerNodeGroup must be 0 to ${MAX_REPLICAS_PER_NODE_GROUP}, got ${String(replicas)}`,
        );
      }
    }

    if (typeof properties.EngineVersion === "number") {
      report(
        `${path}.EngineVersion`,
        `quote EngineVersion: YAML reads it as the number ${properties.EngineVersion}, not a version string`,
      );
    }
    if (parameterGroup === undefined) continue;
    for (const engine of engines ?? []) {
      if (engine !== parameterGroup.engine) {
        report(
          `${path}.CacheParameterGroupName`,
          `parameter group family ${parameterGroup.family} is not for engine ${engine}`,
        );
      }
    }
    for (const version of template.candidates(properties.EngineVersion) ?? []) {
      const major = /^(\d+)/.exec(String(version))?.[1];
      if (major !== undefined && major !== parameterGroup.major) {
        report(
          `${path}.EngineVersion`,
          `engine version ${String(version)} does not match parameter group family ${parameterGroup.family}`,
        );
      }
    }
  }
}

interface ParameterGroupFamily {
  family: string;
  engine: string;
  major: string;
  clusterOn: boolean;
}

/** The family of a default parameter group name, or of a parameter group defined in the template. */
function parameterGroupFamily(
  template: Template,
  name: Json | undefined,
): ParameterGroupFamily | undefined {
  if (typeof name === "string") {
    const match = /^default\.(valkey|redis)(\d+)(\.x)?/.exec(name);
    if (match === null) return undefined;
    return {
      family: `${match[1]}${match[2]}${match[3] ?? ""}`,
      engine: match[1] ?? "",
      major: match[2] ?? "",
      clusterOn: name.endsWith(".cluster.on"),
    };
  }
  const [target] = [...template.referencedResources(name)];
  const resource = target === undefined ? undefined : template.resources[target];
  if (!isObject(resource) || resource.Type !== "AWS::ElastiCache::ParameterGroup") return undefined;
  const properties = Template.properties(resource);
  const family = properties.CacheParameterGroupFamily;
  const match = typeof family === "string" ? /^(valkey|redis)(\d+)/.exec(family) : null;
  if (match === null || typeof family !== "string") return undefined;
  const clusterEnabled = isObject(properties.Properties)
    ? properties.Properties["cluster-enabled"]
    : undefined;
  return {
    family,
    engine: match[1] ?? "",
    major: match[2] ?? "",
    clusterOn: clusterEnabled === "yes",
  };
}

const OPEN_TO_THE_WORLD = new Set(["0.0.0.0/0", "::/0"]);

function checkIngress(template: Template, report: Report): void {
  const checkRule = (rule: Json, path: string): void => {
    for (const rulePath of ruleVariants(template, rule, path)) {
      for (const key of ["CidrIp", "CidrIpv6"]) {
        for (const cidr of template.candidates(rulePath.rule[key]) ?? []) {
          if (typeof cidr === "string" && OPEN_TO_THE_WORLD.has(cidr)) {
            report(
              `${rulePath.path}.${key}`,
              `ingress from ${cidr} opens the port to the internet`,
            );
          }
        }
      }
    }
  };
  for (const [name, resource] of template.resourcesOfType("AWS::EC2::SecurityGroup")) {
    const path = `Resources.${name}.Properties.SecurityGroupIngress`;
    const rules = Template.properties(resource).SecurityGroupIngress;
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule, index) => {
      checkRule(rule, `${path}.${index}`);
    });
  }
  for (const [name, resource] of template.resourcesOfType("AWS::EC2::SecurityGroupIngress")) {
    checkRule(Template.properties(resource), `Resources.${name}.Properties`);
  }
}

/** The mappings a value can be, looking through Fn::If. */
function ruleVariants(
  template: Template,
  value: Json,
  path: string,
): { rule: JsonObject; path: string }[] {
  if (intrinsicName(value) === "Fn::If") {
    return (template.candidates(value) ?? []).flatMap((branch) =>
      ruleVariants(template, branch, path),
    );
  }
  return isObject(value) ? [{ rule: value, path }] : [];
}

function checkMetadataOptions(template: Template, report: Report): void {
  const requiresTokens = (options: Json | undefined): boolean => {
    if (!isObject(options)) return false;
    const tokens = template.candidates(options.HttpTokens);
    return tokens !== undefined && tokens.length > 0 && tokens.every((t) => t === "required");
  };
  const templatesRequiringTokens = new Set<string>();
  for (const [name, resource] of template.resourcesOfType("AWS::EC2::LaunchTemplate")) {
    const data = Template.properties(resource).LaunchTemplateData;
    if (isObject(data) && requiresTokens(data.MetadataOptions)) {
      templatesRequiringTokens.add(name);
    } else {
      report(
        `Resources.${name}.Properties.LaunchTemplateData.MetadataOptions.HttpTokens`,
        "IMDSv2 must be required (HttpTokens: required)",
      );
    }
  }
  for (const [name, resource] of template.resourcesOfType("AWS::EC2::Instance")) {
    const properties = Template.properties(resource);
    const path = `Resources.${name}.Properties.MetadataOptions.HttpTokens`;
    if (
      isObject(properties.MetadataOptions) &&
      properties.MetadataOptions.HttpTokens !== undefined
    ) {
      // The instance's own setting wins over its launch template's.
      if (!requiresTokens(properties.MetadataOptions)) {
        report(path, "IMDSv2 must be required (HttpTokens: required)");
      }
      continue;
    }
    const launchTemplate = isObject(properties.LaunchTemplate) ? properties.LaunchTemplate : {};
    const viaTemplate = [...template.referencedResources(launchTemplate)].some((id) =>
      templatesRequiringTokens.has(id),
    );
    if (!viaTemplate) {
      report(path, "IMDSv2 must be required, on the instance or in its launch template");
    }
  }
  for (const [name, resource] of template.resourcesOfType(
    "AWS::AutoScaling::LaunchConfiguration",
  )) {
    if (!requiresTokens(Template.properties(resource).MetadataOptions)) {
      report(
        `Resources.${name}.Properties.MetadataOptions.HttpTokens`,
        "IMDSv2 must be required (HttpTokens: required)",
      );
    }
  }
}

function checkSessionTables(template: Template, report: Report): void {
  const expected = createTableInput();
  for (const [name, resource] of template.resourcesOfType("AWS::DynamoDB::Table")) {
    const properties = Template.properties(resource);
    const path = `Resources.${name}.Properties`;
    const keySchema = properties.KeySchema;
    if (JSON.stringify(keySchema) !== JSON.stringify(expected.KeySchema)) {
      report(
        `${path}.KeySchema`,
        `key schema must be ${JSON.stringify(expected.KeySchema)} (store/TableSchema.ts), got ${JSON.stringify(keySchema ?? null)}`,
      );
    }
    const definitions = Array.isArray(properties.AttributeDefinitions)
      ? properties.AttributeDefinitions
      : [];
    for (const definition of expected.AttributeDefinitions ?? []) {
      const found = definitions.some(
        (d) =>
          isObject(d) &&
          d.AttributeName === definition.AttributeName &&
          d.AttributeType === definition.AttributeType,
      );
      if (!found) {
        report(
          `${path}.AttributeDefinitions`,
          `missing attribute definition ${definition.AttributeName} (${definition.AttributeType}) from store/TableSchema.ts`,
        );
      }
    }
    const ttl = isObject(properties.TimeToLiveSpecification)
      ? properties.TimeToLiveSpecification
      : {};
    if (ttl.AttributeName !== SESSION_TABLE.ttlAttribute || !isTrue(ttl.Enabled ?? false)) {
      report(
        `${path}.TimeToLiveSpecification`,
        `TTL must be enabled on ${SESSION_TABLE.ttlAttribute} (store/TableSchema.ts), got ${JSON.stringify(properties.TimeToLiveSpecification ?? null)}`,
      );
    }
    const stream = isObject(properties.StreamSpecification)
      ? properties.StreamSpecification.StreamViewType
      : undefined;
    const expectedStream = expected.StreamSpecification?.StreamViewType;
    if (stream !== expectedStream) {
      report(
        `${path}.StreamSpecification`,
        `the table's stream must be ${expectedStream ?? "off"} (store/TableSchema.ts), got ${JSON.stringify(properties.StreamSpecification ?? null)}`,
      );
    }
    if (properties.BillingMode !== SESSION_TABLE.billingMode) {
      report(`${path}.BillingMode`, `billing mode must be ${SESSION_TABLE.billingMode}`);
    }
    for (const tableName of template.candidates(properties.TableName) ?? []) {
      if (tableName !== SESSION_TABLE.tableName) {
        report(
          `${path}.TableName`,
          `table name ${String(tableName)} (or its parameter's default) is not ${SESSION_TABLE.tableName} of store/TableSchema.ts`,
        );
      }
    }
  }
}

const REQUIRED_TAGS: Readonly<Record<string, Json>> = {
  Project: { Ref: "ProjectName" },
  Stack: { Ref: "AWS::StackName" },
};

function checkTags(template: Template, spec: ServiceSpec, report: Report): void {
  for (const [name, resource] of Object.entries(template.resources)) {
    if (!isObject(resource) || typeof resource.Type !== "string") continue;
    const tagging = spec.resource(resource.Type)?.tagInformation;
    if (tagging === undefined) continue;
    const path = `Resources.${name}.Properties.${tagging.tagPropertyName}`;
    const tags = Template.properties(resource)[tagging.tagPropertyName];
    const values = new Map<string, Json>();
    if (Array.isArray(tags)) {
      for (const tag of tags) {
        if (isObject(tag) && typeof tag.Key === "string") values.set(tag.Key, tag.Value ?? null);
      }
    } else if (isObject(tags)) {
      for (const [key, value] of Object.entries(tags)) values.set(key, value);
    }
    for (const [key, expected] of Object.entries(REQUIRED_TAGS)) {
      const value = values.get(key);
      if (value === undefined) {
        report(path, `tag ${key} missing (${key}: ${JSON.stringify(expected)})`);
      } else if (JSON.stringify(value) !== JSON.stringify(expected)) {
        report(
          path,
          `tag ${key} must be ${JSON.stringify(expected)}, got ${JSON.stringify(value)}`,
        );
      }
    }
  }
}

function checkAlarmMetrics(template: Template, spec: ServiceSpec, report: Report): void {
  const checkMetric = (metric: JsonObject, path: string): void => {
    const { Namespace: namespace, MetricName: metricName } = metric;
    if (typeof namespace !== "string" || typeof metricName !== "string") return;
    const sets = spec.metricDimensionSets(namespace, metricName);
    if (sets === undefined) return;
    const names = asList(metric.Dimensions)
      .map((dimension) => (isObject(dimension) ? dimension.Name : undefined))
      .filter((dimension): dimension is string => typeof dimension === "string")
      .sort();
    const matches = sets.some((set) => JSON.stringify([...set].sort()) === JSON.stringify(names));
    if (!matches) {
      const published = [...new Set(sets.map((set) => `[${set.join(", ")}]`))].join(" or ");
      report(
        `${path}.Dimensions`,
        `${namespace} ${metricName} is published with dimensions ${published}; [${names.join(", ")}] never gets data`,
      );
    }
  };
  for (const [name, resource] of template.resourcesOfType("AWS::CloudWatch::Alarm")) {
    const properties = Template.properties(resource);
    const path = `Resources.${name}.Properties`;
    checkMetric(properties, path);
    asList(properties.Metrics).forEach((query, index) => {
      const stat = isObject(query) ? query.MetricStat : undefined;
      if (isObject(stat) && isObject(stat.Metric)) {
        checkMetric(stat.Metric, `${path}.Metrics.${index}.MetricStat.Metric`);
      }
    });
  }
}

const REGION_CODE =
  /\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov)-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d\b/;

// The region comes from the deploy; a literal one breaks the template anywhere else.
function checkRegionLiterals(template: Template, report: Report): void {
  const visit = (value: Json | undefined, path: string): void => {
    if (typeof value === "string") {
      const region = REGION_CODE.exec(value)?.[0];
      if (region !== undefined) report(path, `hard-coded region ${region}; use \${AWS::Region}`);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => {
        visit(item, `${path}.${index}`);
      });
    } else if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) visit(child, `${path}.${key}`);
    }
  };
  for (const [name, resource] of Object.entries(template.resources)) {
    if (isObject(resource)) visit(resource.Properties, `Resources.${name}.Properties`);
  }
  for (const [name, output] of Object.entries(template.section("Outputs"))) {
    if (isObject(output)) visit(output.Value, `Outputs.${name}.Value`);
  }
  for (const [name, parameter] of Object.entries(template.parameters)) {
    if (isObject(parameter)) visit(parameter.Default, `Parameters.${name}.Default`);
  }
}
