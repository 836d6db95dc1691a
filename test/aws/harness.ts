import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseTemplate } from "../../infra/cfnYaml";
import type { CannedAws, CannedCall } from "./cannedAws";

/** The repository whose deploy.sh and teardown.sh are under test. */
export const REPO_ROOT = path.resolve(__dirname, "../..");
const FAKE_AWS_BIN = path.join(__dirname, "fake-aws");
const temporaryDirs: string[] = [];

function temporaryDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

/** Removes every checkout and fake directory this process made; call it from `after`. */
export function removeTemporaryDirs(): void {
  for (const dir of temporaryDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A bucket as the fake keeps it; `versions` and `deleteMarkers` matter only when `versioned`. */
export interface FakeBucket {
  objects: string[];
  /** The --metadata of each `s3 cp` upload, by key. */
  metadata?: Record<string, string>;
  versioned?: boolean;
  versions?: { Key: string; VersionId: string }[];
  deleteMarkers?: { Key: string; VersionId: string }[];
}

export interface FakeStack {
  name: string;
  status: string;
  /** Statuses the next describe-stacks calls report, one each; the last one stays. */
  queue?: string[];
  parameters?: Record<string, string>;
  outputs?: Record<string, string>;
  resources?: { type: string; id: string }[];
}

/** What the fake `aws` answers from (see test/aws/fake-aws/aws). */
export interface FakeState {
  credentials?: boolean;
  validateError?: string;
  stack: FakeStack | null;
  /** Statuses a new stack goes through after create-stack. Default: CREATE_COMPLETE at once. */
  onCreate?: string[];
  /** Statuses after update-stack, or NO_UPDATES for CloudFormation's "No updates" refusal. */
  onUpdate?: string[] | "NO_UPDATES";
  onDelete?: string[];
  /** Outputs and resources a stack created by the script gets. */
  outputs?: Record<string, string>;
  resources?: { type: string; id: string }[];
  buckets?: Record<string, FakeBucket>;
  events?: Record<string, string>[];
  /** Successive answers of get-resources (ARNs tagged with the project); the last one stays. */
  tagged?: string[][];
  /** EC2 instances the fake knows, by id, with their state name. */
  instances?: Record<string, string>;
  volumes?: string[];
  /** Ids and names (VPCs, subnets, tables, alarms...) that teardown.sh's describe calls find. */
  alive?: string[];
  /** Public SSM parameters by name, e.g. the newest Amazon Linux 2023 AMI. */
  ssmParameters?: Record<string, string>;
  ssm?: FakeSsm;
}

/** Run Command as the fake keeps it (see the ssm handlers in test/aws/fake-aws/aws). */
export interface FakeSsm {
  /** Successive PingStatus answers for the instance ("None": not registered); the last one stays. */
  pingStatuses?: string[];
  /** Statuses a sent command goes through, one per status read ("NotListedYet": not found yet). */
  invocation?: { statuses: string[]; stdout: string; stderr: string };
  /** What send-command received. */
  commands?: {
    id: string;
    instanceIds: string[];
    comment?: string;
    parameters: { commands: string[]; executionTimeout: string[] };
  }[];
}

/** What infra/install-session-service.sh prints when it succeeds. */
export const INSTALL_OUTPUT = [
  "Installing release 0123456789ab into /opt/session-service/releases/0123456789ab...",
  'The session service runs release 0123456789ab: http://127.0.0.1:8000/health answered 200 {"status":"ok"}',
  "doctor: 16 ok or skipped, 0 failed",
  "",
].join("\n");

export const BUCKET = "hss-results-123456789012";

export const IMAGE_PARAMETER =
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
/** The newest Amazon Linux 2023 AMI as the fake SSM publishes it. */
export const NEWEST_IMAGE = "ami-0newest000000000";
/** The AMI a deployed fake stack was created with. */
export const PINNED_IMAGE = "ami-0pinned000000000";

export const OUTPUTS: Record<string, string> = {
  ConfigurationEndpointAddress: "clustercfg.hss.abc123.apne1.cache.amazonaws.com",
  ConfigurationEndpointPort: "6379",
  TableName: "session-store",
  InstanceId: "i-0123456789abcdef0",
  ResultsBucket: BUCKET,
  Region: "ap-northeast-1",
  VpcId: "vpc-0123456789abcdef0",
};

export const RESOURCES = [
  { type: "AWS::EC2::VPC", id: "vpc-0123456789abcdef0" },
  { type: "AWS::S3::Bucket", id: BUCKET },
];

/** An empty directory, e.g. a PATH on which no `aws` can be found. */
export function emptyDir(): string {
  return temporaryDir("hss-empty-");
}

/** A fake world with nothing deployed yet. */
export function emptyAccount(overrides: Partial<FakeState> = {}): FakeState {
  return {
    stack: null,
    outputs: OUTPUTS,
    resources: RESOURCES,
    buckets: { [BUCKET]: { objects: [] } },
    ssmParameters: { [IMAGE_PARAMETER]: NEWEST_IMAGE },
    ssm: {
      invocation: { statuses: ["InProgress", "Success"], stdout: INSTALL_OUTPUT, stderr: "" },
    },
    ...overrides,
  };
}

/** A fake world where deploy.sh has already run once. */
export function deployedAccount(
  stack: Partial<FakeStack> = {},
  overrides: Partial<FakeState> = {},
): FakeState {
  return emptyAccount({
    stack: {
      name: "hybrid-session-store",
      status: "CREATE_COMPLETE",
      parameters: {
        ProjectName: "hybrid-session-store",
        TableName: "session-store",
        InstanceType: "t3.micro",
        CacheNodeType: "cache.t3.micro",
        CreateDynamoDbEndpoint: "true",
        PointInTimeRecovery: "false",
        ImageId: PINNED_IMAGE,
      },
      outputs: OUTPUTS,
      resources: RESOURCES,
      ...stack,
    },
    buckets: { [BUCKET]: { objects: ["suite/suite.tar.gz"] } },
    ...overrides,
  });
}

/**
 * A throwaway git checkout holding copies of the scripts (and the library they source), a
 * stand-in template and a node_modules directory, so that tests never depend on the real template
 * or on the checkout's state.
 */
export function makeCheckout(): string {
  const dir = temporaryDir("hss-deploy-checkout-");
  fs.mkdirSync(path.join(dir, "aws"), { recursive: true });
  for (const script of ["deploy.sh", "teardown.sh", "aws/stack.sh"]) {
    fs.copyFileSync(path.join(REPO_ROOT, script), path.join(dir, script));
  }
  fs.mkdirSync(path.join(dir, "infra"));
  // The real template's parameters (the fakes resolve their defaults as CloudFormation does), no
  // resources; JSON, which is YAML too, so that the fake aws reads it without a YAML parser.
  const real = parseTemplate(
    fs.readFileSync(path.join(REPO_ROOT, "infra", "elasticache-valkey-stack.yaml"), "utf8"),
  ).template;
  fs.writeFileSync(
    path.join(dir, "infra", "elasticache-valkey-stack.yaml"),
    `${JSON.stringify({ AWSTemplateFormatVersion: "2010-09-09", Parameters: real?.Parameters ?? {}, Resources: {} }, null, 2)}\n`,
  );
  // build:service stands in for tsc: deploy.sh must run it on the packed files and upload its output.
  fs.writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({
      name: "fixture",
      private: true,
      scripts: {
        "build:service":
          "node -e \"require('fs').mkdirSync('build/scripts',{recursive:true});require('fs').writeFileSync('build/scripts/serve.js',require('fs').readFileSync('package.json'))\"",
      },
    })}\n`,
  );
  fs.writeFileSync(path.join(dir, ".gitignore"), "node_modules/\n");
  fs.mkdirSync(path.join(dir, "node_modules", "left-pad"), { recursive: true });
  fs.writeFileSync(path.join(dir, "node_modules", "left-pad", "index.js"), "module.exports = 1;\n");
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], {
      cwd: dir,
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" },
      stdio: "pipe",
    });
  git("init", "--quiet");
  git("add", ".");
  git("commit", "--quiet", "-m", "fixture");
  return dir;
}

export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** argv of every `aws` call, in order. */
  calls: string[][];
  /** The fake's state after the run. */
  state: FakeState;
  /** Where the fake copied what `aws s3 cp` uploaded: uploads/<bucket>/<key>. */
  fakeDir: string;
}

export interface RunOptions {
  /** Extra environment; AWS_REGION, STACK_NAME and the like are unset unless given here. */
  env?: Record<string, string>;
  /** Replaces PATH entirely (the fake aws is then not added). */
  path?: string;
}

const BASH = execFileSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).trim();

/** Runs one of the scripts of `checkout` against the fake `aws`, with no waiting between polls. */
export function runScript(
  checkout: string,
  script: "deploy.sh" | "teardown.sh",
  state: FakeState,
  options: RunOptions = {},
): ScriptRun {
  const fakeDir = temporaryDir("hss-fake-aws-");
  fs.writeFileSync(path.join(fakeDir, "state.json"), JSON.stringify(state));
  fs.writeFileSync(path.join(fakeDir, "calls.log"), "");
  const result = spawnSync(BASH, [script], {
    cwd: checkout,
    encoding: "utf8",
    timeout: 60_000,
    env: {
      PATH: options.path ?? `${FAKE_AWS_BIN}${path.delimiter}${process.env.PATH ?? ""}`,
      HOME: fakeDir,
      TMPDIR: os.tmpdir(),
      GIT_CONFIG_NOSYSTEM: "1",
      FAKE_AWS_DIR: fakeDir,
      POLL_INTERVAL_SECONDS: "0",
      STACK_WAIT_TIMEOUT_SECONDS: "60",
      LEFTOVER_TIMEOUT_SECONDS: "0",
      ...options.env,
    },
  });
  const calls = fs
    .readFileSync(path.join(fakeDir, "calls.log"), "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as string[]);
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    calls,
    state: JSON.parse(fs.readFileSync(path.join(fakeDir, "state.json"), "utf8")) as FakeState,
    fakeDir,
  };
}

/** "cloudformation create-stack" for each call, to compare sequences. */
export function operations(run: ScriptRun): string[] {
  return run.calls.map((argv) => `${argv[0]} ${argv[1]}`);
}

/** The value following `--name` in one call's argv. */
export function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? undefined : argv[at + 1];
}

/** The file names inside a .tar.gz, without tar's leading "./". */
export function tarEntries(file: string): string[] {
  return execFileSync("tar", ["-tzf", file], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.replace(/^\.\//, ""))
    .filter((line) => line !== "" && line !== ".");
}

const ACCOUNT_EC2 = "arn:aws:ec2:ap-northeast-1:123456789012";

/** One ARN of each type the stack makes, the describe call that checks it, and the id it asks for. */
export const TAGGED: { arn: string; describe: string; id: string }[] = [
  {
    arn: `${ACCOUNT_EC2}:vpc/vpc-0123456789abcdef0`,
    describe: "ec2 describe-vpcs",
    id: "vpc-0123456789abcdef0",
  },
  { arn: `${ACCOUNT_EC2}:subnet/subnet-0a`, describe: "ec2 describe-subnets", id: "subnet-0a" },
  {
    arn: `${ACCOUNT_EC2}:internet-gateway/igw-0a`,
    describe: "ec2 describe-internet-gateways",
    id: "igw-0a",
  },
  { arn: `${ACCOUNT_EC2}:route-table/rtb-0a`, describe: "ec2 describe-route-tables", id: "rtb-0a" },
  {
    arn: `${ACCOUNT_EC2}:security-group/sg-0a`,
    describe: "ec2 describe-security-groups",
    id: "sg-0a",
  },
  {
    arn: `${ACCOUNT_EC2}:launch-template/lt-0a`,
    describe: "ec2 describe-launch-templates",
    id: "lt-0a",
  },
  {
    arn: `${ACCOUNT_EC2}:vpc-endpoint/vpce-0a`,
    describe: "ec2 describe-vpc-endpoints",
    id: "vpce-0a",
  },
  {
    arn: "arn:aws:elasticache:ap-northeast-1:123456789012:replicationgroup:hss-valkey",
    describe: "elasticache describe-replication-groups",
    id: "hss-valkey",
  },
  {
    arn: "arn:aws:elasticache:ap-northeast-1:123456789012:cluster:hss-valkey-0001-001",
    describe: "elasticache describe-cache-clusters",
    id: "hss-valkey-0001-001",
  },
  {
    arn: "arn:aws:elasticache:ap-northeast-1:123456789012:subnetgroup:hss-subnets",
    describe: "elasticache describe-cache-subnet-groups",
    id: "hss-subnets",
  },
  {
    arn: "arn:aws:dynamodb:ap-northeast-1:123456789012:table/session-store",
    describe: "dynamodb describe-table",
    id: "session-store",
  },
  { arn: `arn:aws:s3:::${BUCKET}`, describe: "s3api head-bucket", id: BUCKET },
  {
    arn: "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:hss-session-table-throttled",
    describe: "cloudwatch describe-alarms",
    id: "hss-session-table-throttled",
  },
];

/**
 * The real AWS CLI v2: HSS_AWS_CLI, else Debian's /usr/bin/aws (scripts/setup.sh installs it), else
 * the first aws on PATH; whichever it is must say it is version 2. Throws saying how to get one.
 */
export function realAwsCli(): string {
  const candidates = [process.env.HSS_AWS_CLI, "/usr/bin/aws", "aws"].filter(
    (c): c is string => c !== undefined && c !== "",
  );
  for (const candidate of candidates) {
    const version = spawnSync(candidate, ["--version"], { encoding: "utf8" });
    if (version.status === 0 && /^aws-cli\/2\./.test(version.stdout)) {
      return candidate.includes("/")
        ? candidate
        : execFileSync("bash", ["-c", `command -v ${candidate}`], { encoding: "utf8" }).trim();
    }
  }
  throw new Error(
    "no AWS CLI v2 found (HSS_AWS_CLI, /usr/bin/aws or aws on PATH); run scripts/setup.sh (Debian: apt-get install awscli)",
  );
}

export interface CliScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The API calls the canned services received during this run, in order. */
  calls: CannedCall[];
}

/**
 * Runs one of the scripts of `checkout` with the real AWS CLI v2 first on PATH, its HTTPS traffic
 * sent to the canned services, with dummy credentials and no shared config. Asynchronous, because
 * the canned services answer from this process.
 */
export async function runScriptWithCli(
  checkout: string,
  script: "deploy.sh" | "teardown.sh",
  aws: CannedAws,
  env: Record<string, string> = {},
): Promise<CliScriptRun> {
  const bin = temporaryDir("hss-real-aws-");
  fs.symlinkSync(realAwsCli(), path.join(bin, "aws"));
  const home = temporaryDir("hss-real-aws-home-");
  const first = aws.calls.length;
  const child = spawn(BASH, [script], {
    cwd: checkout,
    env: {
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
      HOME: home,
      TMPDIR: os.tmpdir(),
      GIT_CONFIG_NOSYSTEM: "1",
      HTTPS_PROXY: aws.proxyUrl,
      AWS_CA_BUNDLE: aws.caBundle,
      AWS_ACCESS_KEY_ID: "AKIDCANNEDCANNED0000",
      AWS_SECRET_ACCESS_KEY: "canned-secret-not-a-credential",
      AWS_CONFIG_FILE: path.join(home, "no-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, "no-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
      POLL_INTERVAL_SECONDS: "0",
      STACK_WAIT_TIMEOUT_SECONDS: "120",
      LEFTOVER_TIMEOUT_SECONDS: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const status = await new Promise<number | null>((resolve) => child.once("close", resolve));
  return { status, stdout, stderr, calls: aws.calls.slice(first) };
}
