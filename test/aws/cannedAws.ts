/**
 * AWS's control plane, canned, for the real AWS CLI v2 to talk to: an HTTPS proxy on loopback that
 * accepts CONNECT to any *.amazonaws.com host, terminates TLS with a certificate made for this run
 * (the CLI trusts it through AWS_CA_BUNDLE), and answers each API call in its service's own wire
 * protocol (query/XML, EC2, JSON 1.0/1.1, S3 REST) from a FakeState, updated as the services would.
 * The scripts run unchanged against the real endpoints' names; the CLI checks every flag, parameter
 * and --query itself. An operation this does not know answers an error that names it.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { TLSSocket } from "node:tls";
import { parseTemplate } from "../../infra/cfnYaml";
import type { FakeBucket, FakeStack, FakeState } from "./harness";

/** One API call as the canned services received it. */
export interface CannedCall {
  /** e.g. "cloudformation", "ec2", "s3". */
  service: string;
  /** The API operation, e.g. "UpdateStack", "PutObject". */
  operation: string;
  /** Query parameters (form fields), the JSON body's top-level fields as JSON, or S3's headers. */
  params: Record<string, string>;
}

export interface CannedAws {
  /** HTTPS_PROXY for the CLI. */
  proxyUrl: string;
  /** AWS_CA_BUNDLE for the CLI: the certificate the proxy presents for every host. */
  caBundle: string;
  calls: CannedCall[];
  state: FakeState;
  close(): Promise<void>;
}

const ACCOUNT = "123456789012";
const TIME = "2025-01-01T00:00:00.000Z";

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A self-signed certificate for the endpoints of every region the tests use, made with openssl. */
function makeCertificate(dir: string): { key: string; cert: string } {
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  const names = [
    "*.amazonaws.com",
    "*.ap-northeast-1.amazonaws.com",
    "*.s3.ap-northeast-1.amazonaws.com",
    "*.s3.amazonaws.com",
  ];
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
      ...["-keyout", key, "-out", cert, "-subj", "/CN=canned-aws"],
      ...["-addext", `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`],
      ...["-addext", "basicConstraints=critical,CA:TRUE"],
    ],
    { stdio: "pipe" },
  );
  return { key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(cert, "utf8") };
}

const xmlEscape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

type XmlValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | XmlValue[]
  | { [k: string]: XmlValue };

/** XML of a value: object keys become elements, list members `<item>` (EC2) or `<member>`. */
function toXml(value: XmlValue, item: string): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value))
    return value.map((v) => `<${item}>${toXml(v, item)}</${item}>`).join("");
  if (typeof value === "object") {
    return Object.entries(value)
      .map(([k, v]) => `<${k}>${toXml(v, item)}</${k}>`)
      .join("");
  }
  return xmlEscape(String(value));
}

const queryResponse = (service: string, operation: string, result: XmlValue): string => {
  const ns: Record<string, string> = {
    sts: "https://sts.amazonaws.com/doc/2011-06-15/",
    cloudformation: "http://cloudformation.amazonaws.com/doc/2010-05-15/",
    elasticache: "http://elasticache.amazonaws.com/doc/2015-02-02/",
    monitoring: "http://monitoring.amazonaws.com/doc/2010-08-01/",
  };
  return (
    `<${operation}Response xmlns="${ns[service]}"><${operation}Result>${toXml(result, "member")}` +
    `</${operation}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${operation}Response>`
  );
};

/** The values of a query list parameter: Name.1, Name.2... or Name.member.1, Name.member.2... */
function listParam(params: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (const [key, value] of params) {
    if (new RegExp(`^${name}(\\.member)?\\.\\d+$`).test(key)) values.push(value);
  }
  return values;
}

/** The Default of each parameter of the template in TemplateBody that has one. */
function templateDefaults(params: URLSearchParams): Record<string, string> {
  const declared = parseTemplate(params.get("TemplateBody") ?? "").template?.Parameters;
  const defaults: Record<string, string> = {};
  if (declared && typeof declared === "object" && !Array.isArray(declared)) {
    for (const [key, parameter] of Object.entries(declared)) {
      if (parameter && typeof parameter === "object" && !Array.isArray(parameter)) {
        if (parameter.Default !== undefined) defaults[key] = String(parameter.Default);
      }
    }
  }
  return defaults;
}

/**
 * A stack's parameters from CreateStack/UpdateStack's Parameters.member.N.* fields, as
 * CloudFormation resolves them: a parameter not sent takes the template's default, on an update too.
 */
function stackParameters(
  params: URLSearchParams,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const result: Record<string, string> = templateDefaults(params);
  for (let n = 1; params.has(`Parameters.member.${n}.ParameterKey`); n++) {
    const key = params.get(`Parameters.member.${n}.ParameterKey`) ?? "";
    if (params.get(`Parameters.member.${n}.UsePreviousValue`) === "true") {
      if (!previous || !(key in previous)) {
        throw new ApiError(
          400,
          "ValidationError",
          `Invalid input for parameter key ${key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`,
        );
      }
      result[key] = previous[key] ?? "";
    } else {
      result[key] = params.get(`Parameters.member.${n}.ParameterValue`) ?? "";
    }
  }
  return result;
}

const REQUIRED_PARAMETERS = ["ImageId"];
const UPDATABLE = new Set([
  "CREATE_COMPLETE",
  "UPDATE_COMPLETE",
  "UPDATE_ROLLBACK_COMPLETE",
  "IMPORT_COMPLETE",
  "IMPORT_ROLLBACK_COMPLETE",
]);

function cloudFormation(state: FakeState, operation: string, params: URLSearchParams): XmlValue {
  const name = params.get("StackName") ?? "";
  const stackNamed = (): FakeStack => {
    if (!state.stack || state.stack.name !== name) {
      throw new ApiError(400, "ValidationError", `Stack with id ${name} does not exist`);
    }
    return state.stack;
  };
  switch (operation) {
    case "ValidateTemplate":
      if (!params.get("TemplateBody")) throw new ApiError(400, "ValidationError", "no template");
      if (state.validateError) throw new ApiError(400, "ValidationError", state.validateError);
      return { Parameters: [], Capabilities: ["CAPABILITY_NAMED_IAM"] };
    case "DescribeStacks": {
      const stack = stackNamed();
      const next = stack.queue?.shift();
      if (next) stack.status = next;
      if (stack.status === "DELETE_COMPLETE") {
        state.stack = null;
        throw new ApiError(400, "ValidationError", `Stack with id ${name} does not exist`);
      }
      const outputs =
        stack.status.endsWith("_COMPLETE") && stack.outputs
          ? Object.entries(stack.outputs).map(([OutputKey, OutputValue]) => ({
              OutputKey,
              OutputValue,
            }))
          : undefined;
      return {
        Stacks: [
          {
            StackId: `arn:aws:cloudformation:ap-northeast-1:${ACCOUNT}:stack/${stack.name}/1`,
            StackName: stack.name,
            CreationTime: TIME,
            StackStatus: stack.status,
            Parameters: Object.entries(stack.parameters ?? {}).map(
              ([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }),
            ),
            Outputs: outputs,
          },
        ],
      };
    }
    case "CreateStack": {
      if (state.stack) throw new ApiError(400, "AlreadyExistsException", `Stack [${name}] exists`);
      const parameters = stackParameters(params, undefined);
      const missing = REQUIRED_PARAMETERS.filter((key) => !(key in parameters));
      if (missing.length > 0) {
        throw new ApiError(400, "ValidationError", `Parameters: [${missing}] must have values`);
      }
      state.stack = {
        name,
        status: "CREATE_IN_PROGRESS",
        queue: [...(state.onCreate ?? ["CREATE_COMPLETE"])],
        parameters,
        outputs: state.outputs,
        resources: state.resources ?? [],
      };
      for (const r of state.stack.resources ?? []) {
        if (r.type === "AWS::S3::Bucket") {
          state.buckets ??= {};
          state.buckets[r.id] ??= { objects: [] };
        }
      }
      return { StackId: `arn:aws:cloudformation:ap-northeast-1:${ACCOUNT}:stack/${name}/1` };
    }
    case "UpdateStack": {
      const stack = stackNamed();
      if (!UPDATABLE.has(stack.status)) {
        throw new ApiError(400, "ValidationError", `Stack:${name} is in ${stack.status} state`);
      }
      const parameters = stackParameters(params, stack.parameters ?? {});
      if (state.onUpdate === "NO_UPDATES") {
        throw new ApiError(400, "ValidationError", "No updates are to be performed.");
      }
      stack.status = "UPDATE_IN_PROGRESS";
      stack.queue = [...(state.onUpdate ?? ["UPDATE_COMPLETE"])];
      stack.parameters = parameters;
      return { StackId: `arn:aws:cloudformation:ap-northeast-1:${ACCOUNT}:stack/${name}/1` };
    }
    case "DeleteStack": {
      const stack = state.stack;
      if (!stack || stack.name !== name) return {};
      const buckets = (stack.resources ?? []).filter((r) => r.type === "AWS::S3::Bucket");
      const blocked = buckets.some((r) => holds(state.buckets?.[r.id]));
      stack.status = "DELETE_IN_PROGRESS";
      stack.queue = blocked ? ["DELETE_FAILED"] : [...(state.onDelete ?? ["DELETE_COMPLETE"])];
      if (!blocked) for (const r of buckets) delete state.buckets?.[r.id];
      return {};
    }
    case "DescribeStackEvents":
      stackNamed();
      return {
        StackEvents: (state.events ?? []).map((e, i) => ({
          StackId: "1",
          EventId: String(i),
          StackName: name,
          Timestamp: TIME,
          ...e,
        })),
      };
    case "ListStackResources":
      return {
        StackResourceSummaries: (stackNamed().resources ?? []).map((r) => ({
          LogicalResourceId: r.type.split("::").pop(),
          PhysicalResourceId: r.id,
          ResourceType: r.type,
          LastUpdatedTimestamp: TIME,
          ResourceStatus: "CREATE_COMPLETE",
        })),
      };
    default:
      throw new ApiError(400, "InvalidAction", `cloudformation ${operation} is not canned`);
  }
}

const holds = (b: FakeBucket | undefined): boolean =>
  b !== undefined &&
  b.objects.length + (b.versions ?? []).length + (b.deleteMarkers ?? []).length > 0;

/** EC2's describe calls teardown.sh makes: operation -> id parameter, not-found code, answer. */
const EC2_DESCRIBES: Record<string, [string, string, (id: string) => XmlValue]> = {
  DescribeVpcs: ["VpcId", "InvalidVpcID.NotFound", (id) => ({ vpcSet: [{ vpcId: id }] })],
  DescribeSubnets: [
    "SubnetId",
    "InvalidSubnetID.NotFound",
    (id) => ({ subnetSet: [{ subnetId: id }] }),
  ],
  DescribeInternetGateways: [
    "InternetGatewayId",
    "InvalidInternetGatewayID.NotFound",
    (id) => ({ internetGatewaySet: [{ internetGatewayId: id }] }),
  ],
  DescribeRouteTables: [
    "RouteTableId",
    "InvalidRouteTableID.NotFound",
    (id) => ({ routeTableSet: [{ routeTableId: id }] }),
  ],
  DescribeSecurityGroups: [
    "GroupId",
    "InvalidGroup.NotFound",
    (id) => ({ securityGroupInfo: [{ groupId: id }] }),
  ],
  DescribeLaunchTemplates: [
    "LaunchTemplateId",
    "InvalidLaunchTemplateId.NotFound",
    (id) => ({ launchTemplates: [{ launchTemplateId: id }] }),
  ],
  DescribeVpcEndpoints: [
    "VpcEndpointId",
    "InvalidVpcEndpointId.NotFound",
    (id) => ({ vpcEndpointSet: [{ vpcEndpointId: id, state: "available" }] }),
  ],
};

function ec2(state: FakeState, operation: string, params: URLSearchParams): XmlValue {
  if (operation === "DescribeInstances") {
    const id = listParam(params, "InstanceId")[0] ?? "";
    const name = state.instances?.[id];
    if (!name)
      throw new ApiError(
        400,
        "InvalidInstanceID.NotFound",
        `The instance ID '${id}' does not exist`,
      );
    return {
      reservationSet: [
        {
          reservationId: "r-1",
          instancesSet: [{ instanceId: id, instanceState: { code: 16, name } }],
        },
      ],
    };
  }
  if (operation === "DescribeVolumes") {
    const id = listParam(params, "VolumeId")[0] ?? "";
    if (!(state.volumes ?? []).includes(id)) {
      throw new ApiError(400, "InvalidVolume.NotFound", `The volume '${id}' does not exist.`);
    }
    return { volumeSet: [{ volumeId: id }] };
  }
  const describe = EC2_DESCRIBES[operation];
  if (!describe) throw new ApiError(400, "InvalidAction", `ec2 ${operation} is not canned`);
  const [idParam, notFound, answer] = describe;
  const id = listParam(params, idParam)[0] ?? "";
  if (!(state.alive ?? []).includes(id))
    throw new ApiError(400, notFound, `'${id}' does not exist`);
  return answer(id);
}

function elastiCache(state: FakeState, operation: string, params: URLSearchParams): XmlValue {
  const known: Record<string, [string, string, string, string]> = {
    DescribeReplicationGroups: [
      "ReplicationGroupId",
      "ReplicationGroupNotFoundFault",
      "ReplicationGroups",
      "ReplicationGroup",
    ],
    DescribeCacheClusters: [
      "CacheClusterId",
      "CacheClusterNotFound",
      "CacheClusters",
      "CacheCluster",
    ],
    DescribeCacheSubnetGroups: [
      "CacheSubnetGroupName",
      "CacheSubnetGroupNotFoundFault",
      "CacheSubnetGroups",
      "CacheSubnetGroup",
    ],
  };
  const entry = known[operation];
  if (!entry) throw new ApiError(400, "InvalidAction", `elasticache ${operation} is not canned`);
  const [idParam, notFound, list, member] = entry;
  const id = params.get(idParam) ?? "";
  if (!(state.alive ?? []).includes(id)) throw new ApiError(404, notFound, `${id} not found`);
  // ElastiCache names its list members after the shape, not `member`.
  return { [list]: { [member]: { [idParam]: id } } };
}

function cloudWatch(state: FakeState, operation: string, params: URLSearchParams): XmlValue {
  if (operation !== "DescribeAlarms") {
    throw new ApiError(400, "InvalidAction", `cloudwatch ${operation} is not canned`);
  }
  const names = listParam(params, "AlarmNames").filter((n) => (state.alive ?? []).includes(n));
  return { MetricAlarms: names.map((AlarmName) => ({ AlarmName })), CompositeAlarms: [] };
}

type Json = Record<string, unknown>;

function ssm(state: FakeState, operation: string, body: Json): Json {
  state.ssm ??= {};
  const s = state.ssm;
  switch (operation) {
    case "GetParameter": {
      const value = state.ssmParameters?.[String(body.Name)];
      if (value === undefined) throw new ApiError(400, "ParameterNotFound", "");
      return { Parameter: { Name: body.Name, Type: "String", Value: value, Version: 1 } };
    }
    case "DescribeInstanceInformation": {
      const answers = s.pingStatuses ?? ["Online"];
      const ping = (answers.length > 1 ? answers.shift() : answers[0]) ?? "Online";
      const filters = (body.Filters ?? []) as { Key: string; Values: string[] }[];
      const id = filters.find((f) => f.Key === "InstanceIds")?.Values[0];
      if (!id) throw new ApiError(400, "InvalidFilter", "expected Filters Key=InstanceIds");
      return {
        InstanceInformationList: ping === "None" ? [] : [{ InstanceId: id, PingStatus: ping }],
      };
    }
    case "SendCommand": {
      // Run Command ids are UUIDs; the CLI refuses a shorter one in get-command-invocation.
      const id = randomUUID();
      s.commands ??= [];
      s.commands.push({
        id,
        instanceIds: body.InstanceIds as string[],
        comment: body.Comment as string | undefined,
        parameters: body.Parameters as { commands: string[]; executionTimeout: string[] },
      });
      return { Command: { CommandId: id, Status: "Pending" } };
    }
    case "GetCommandInvocation": {
      const command = (s.commands ?? []).find((c) => c.id === body.CommandId);
      if (!command?.instanceIds.includes(String(body.InstanceId))) {
        throw new ApiError(400, "InvocationDoesNotExist", "");
      }
      s.invocation ??= { statuses: ["Success"], stdout: "", stderr: "" };
      const invocation = s.invocation;
      const status = invocation.statuses[0];
      // Each read moves the command on, as time does; the scripts read status, then output.
      if (invocation.statuses.length > 1) invocation.statuses.shift();
      if (status === "NotListedYet") throw new ApiError(400, "InvocationDoesNotExist", "");
      return {
        CommandId: command.id,
        InstanceId: body.InstanceId,
        Status: status,
        StandardOutputContent: invocation.stdout,
        StandardErrorContent: invocation.stderr,
      };
    }
    default:
      throw new ApiError(400, "InvalidAction", `ssm ${operation} is not canned`);
  }
}

function tagging(state: FakeState, operation: string): Json {
  if (operation !== "GetResources") {
    throw new ApiError(400, "InvalidAction", `tagging ${operation} is not canned`);
  }
  const answers = state.tagged ?? [[]];
  const arns = (answers.length > 1 ? answers.shift() : answers[0]) ?? [];
  return { ResourceTagMappingList: arns.map((ResourceARN) => ({ ResourceARN, Tags: [] })) };
}

function dynamodb(state: FakeState, operation: string, body: Json): Json {
  if (operation !== "DescribeTable") {
    throw new ApiError(400, "InvalidAction", `dynamodb ${operation} is not canned`);
  }
  const name = String(body.TableName);
  if (!(state.alive ?? []).includes(name)) {
    throw new ApiError(
      400,
      "ResourceNotFoundException",
      `Requested resource not found: Table: ${name}`,
    );
  }
  return { Table: { TableName: name, TableStatus: "ACTIVE" } };
}

interface S3Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

function s3(
  state: FakeState,
  bucketName: string,
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  record: (operation: string, params: Record<string, string>) => void,
): S3Answer {
  const key = decodeURIComponent(url.pathname.slice(1));
  const bucket = state.buckets?.[bucketName];
  const q = url.searchParams;
  const noBucket = (op: string): S3Answer => {
    record(op, { Bucket: bucketName });
    return {
      status: 404,
      body: `<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>${bucketName}</BucketName></Error>`,
    };
  };
  const xml = (root: string, inner: string): S3Answer => ({
    status: 200,
    body: `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</${root}>`,
  });
  if (req.method === "HEAD" && key === "") {
    record("HeadBucket", { Bucket: bucketName });
    return { status: bucket ? 200 : 404 };
  }
  if (!bucket) return noBucket(`${req.method} ${url.search}`);
  if (req.method === "PUT" && key !== "") {
    const metadata = Object.entries(req.headers)
      .filter(([h]) => h.startsWith("x-amz-meta-"))
      .map(([h, v]) => `${h.slice("x-amz-meta-".length)}=${String(v)}`)
      .join(",");
    record("PutObject", {
      Bucket: bucketName,
      Key: key,
      Metadata: metadata,
      Bytes: String(body.length),
    });
    if (!bucket.objects.includes(key)) bucket.objects.push(key);
    if (metadata !== "") bucket.metadata = { ...bucket.metadata, [key]: metadata };
    return { status: 200, headers: { ETag: `"${createHash("md5").update(body).digest("hex")}"` } };
  }
  if (req.method === "GET" && q.get("list-type") === "2") {
    record("ListObjectsV2", { Bucket: bucketName });
    const contents = bucket.objects
      .map(
        (k) =>
          `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${TIME}</LastModified><ETag>"0"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join("");
    return xml(
      "ListBucketResult",
      `<Name>${bucketName}</Name><Prefix></Prefix><KeyCount>${bucket.objects.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}`,
    );
  }
  if (req.method === "GET" && q.has("versions")) {
    record("ListObjectVersions", { Bucket: bucketName });
    const versions = bucket.versioned
      ? (bucket.versions ?? [])
      : bucket.objects.map((Key) => ({ Key, VersionId: "null" }));
    const entry = (tag: string, v: { Key: string; VersionId: string }) =>
      `<${tag}><Key>${xmlEscape(v.Key)}</Key><VersionId>${v.VersionId}</VersionId><IsLatest>true</IsLatest><LastModified>${TIME}</LastModified>${tag === "Version" ? '<ETag>"0"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass>' : ""}</${tag}>`;
    return xml(
      "ListVersionsResult",
      `<Name>${bucketName}</Name><Prefix></Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${versions.map((v) => entry("Version", v)).join("")}${(bucket.deleteMarkers ?? []).map((v) => entry("DeleteMarker", v)).join("")}`,
    );
  }
  if (req.method === "DELETE" && key !== "") {
    const versionId = q.get("versionId");
    record("DeleteObject", { Bucket: bucketName, Key: key, VersionId: versionId ?? "" });
    if (versionId === null) {
      // In a versioned bucket a plain delete adds a delete marker and keeps the version.
      if (bucket.versioned && bucket.objects.includes(key)) {
        bucket.deleteMarkers = [
          ...(bucket.deleteMarkers ?? []),
          { Key: key, VersionId: `dm-${key}` },
        ];
      }
      bucket.objects = bucket.objects.filter((k) => k !== key);
    } else {
      const other = (v: { Key: string; VersionId: string }) =>
        !(v.Key === key && v.VersionId === versionId);
      bucket.versions = (bucket.versions ?? []).filter(other);
      bucket.deleteMarkers = (bucket.deleteMarkers ?? []).filter(other);
      if (!bucket.versioned) bucket.objects = bucket.objects.filter((k) => k !== key);
    }
    return { status: 204 };
  }
  if (req.method === "POST" && q.has("delete")) {
    const keys = [...body.toString("utf8").matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1] ?? "");
    record("DeleteObjects", { Bucket: bucketName, Keys: keys.join(",") });
    if (bucket.versioned) {
      for (const k of keys) {
        if (bucket.objects.includes(k)) {
          bucket.deleteMarkers = [
            ...(bucket.deleteMarkers ?? []),
            { Key: k, VersionId: `dm-${k}` },
          ];
        }
      }
    }
    bucket.objects = bucket.objects.filter((k) => !keys.includes(k));
    return xml(
      "DeleteResult",
      keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join(""),
    );
  }
  record(`${req.method} ${url.search}`, { Bucket: bucketName, Key: key });
  return {
    status: 400,
    body: `<Error><Code>NotCanned</Code><Message>s3 ${req.method} ${url.pathname}${url.search} is not canned</Message></Error>`,
  };
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

/** Answers one API request: picks the service from the host and the protocol from the request. */
async function answer(
  state: FakeState,
  calls: CannedCall[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const host = (req.headers.host ?? "").replace(/:\d+$/, "");
  const url = new URL(req.url ?? "/", `https://${host}`);
  const body = await readBody(req);
  const s3Bucket = /^(.+)\.s3\.[a-z0-9-]+\.amazonaws\.com$/.exec(host)?.[1];
  const service = s3Bucket !== undefined ? "s3" : (host.split(".")[0] ?? "");
  const record = (operation: string, params: Record<string, string>) => {
    calls.push({ service, operation, params });
  };
  if (s3Bucket !== undefined) {
    const out = s3(state, s3Bucket, req, url, body, record);
    res.writeHead(out.status, { "content-type": "application/xml", ...out.headers });
    res.end(out.body ?? "");
    return;
  }
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") {
    // JSON 1.0 (DynamoDB) and 1.1 (SSM, tagging): Service_Version.Operation.
    const operation = target.split(".").pop() ?? "";
    const input = JSON.parse(body.toString("utf8") || "{}") as Json;
    record(
      operation,
      Object.fromEntries(Object.entries(input).map(([k, v]) => [k, JSON.stringify(v)])),
    );
    try {
      const out =
        service === "ssm"
          ? ssm(state, operation, input)
          : service === "tagging"
            ? tagging(state, operation)
            : service === "dynamodb"
              ? dynamodb(state, operation, input)
              : (() => {
                  throw new ApiError(
                    400,
                    "UnknownOperation",
                    `${service} ${operation} is not canned`,
                  );
                })();
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(out));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      res.writeHead(error.status, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ __type: error.code, message: error.message }));
    }
    return;
  }
  // Query protocols: form-encoded Action=...; EC2 answers in its own XML dialect.
  const params = new URLSearchParams(body.toString("utf8"));
  const operation = params.get("Action") ?? "";
  record(operation, Object.fromEntries(params));
  try {
    let xml: string;
    if (service === "ec2") {
      xml = `<${operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${randomUUID()}</requestId>${toXml(ec2(state, operation, params), "item")}</${operation}Response>`;
    } else if (service === "sts" && operation === "GetCallerIdentity") {
      if (state.credentials === false) throw new ApiError(403, "InvalidClientTokenId", "bad token");
      xml = queryResponse("sts", operation, {
        Arn: `arn:aws:iam::${ACCOUNT}:user/canned`,
        UserId: "AIDACANNED",
        Account: ACCOUNT,
      });
    } else if (service === "cloudformation") {
      xml = queryResponse(service, operation, cloudFormation(state, operation, params));
    } else if (service === "elasticache") {
      xml = queryResponse(service, operation, elastiCache(state, operation, params));
    } else if (service === "monitoring") {
      xml = queryResponse(service, operation, cloudWatch(state, operation, params));
    } else {
      throw new ApiError(400, "InvalidAction", `${service} ${operation} is not canned`);
    }
    res.writeHead(200, { "content-type": "text/xml" });
    res.end(xml);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const xml =
      service === "ec2"
        ? `<Response><Errors><Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message></Error></Errors><RequestID>1</RequestID></Response>`
        : `<ErrorResponse><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message></Error><RequestId>1</RequestId></ErrorResponse>`;
    res.writeHead(error.status, { "content-type": "text/xml" });
    res.end(xml);
  }
}

/** Starts the canned services behind an HTTPS proxy on 127.0.0.1 (an ephemeral port). */
export async function startCannedAws(state: FakeState): Promise<CannedAws> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hss-canned-aws-"));
  const { key, cert } = makeCertificate(dir);
  const caBundle = path.join(dir, "cert.pem");
  const calls: CannedCall[] = [];
  const api = createServer((req, res) => {
    answer(state, calls, req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((_req, res) => {
    res.writeHead(405);
    res.end("only CONNECT\n");
  });
  proxy.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  proxy.on("connect", (req: IncomingMessage, socket: Socket) => {
    const host = (req.url ?? "").replace(/:\d+$/, "");
    if (!host.endsWith(".amazonaws.com")) {
      socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    const tls = new TLSSocket(socket, { isServer: true, key, cert });
    api.emit("connection", tls);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    proxyUrl: `http://127.0.0.1:${port}`,
    caBundle,
    calls,
    state,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
