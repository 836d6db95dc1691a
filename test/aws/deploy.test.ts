import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import {
  BUCKET,
  deployedAccount,
  emptyAccount,
  emptyDir,
  IMAGE_PARAMETER,
  INSTALL_OUTPUT,
  makeCheckout,
  NEWEST_IMAGE,
  OUTPUTS,
  operations,
  option,
  PINNED_IMAGE,
  REPO_ROOT,
  removeTemporaryDirs,
  runScript,
  type ScriptRun,
  tarEntries,
} from "./harness";

describe("deploy.sh", () => {
  let checkout = "";
  before(() => {
    checkout = makeCheckout();
  });
  after(removeTemporaryDirs);

  describe("when nothing is deployed yet", () => {
    it("creates the stack, waits for it, prints outputs and cost, and uploads the suite", () => {
      const run = runScript(
        checkout,
        "deploy.sh",
        emptyAccount({ onCreate: ["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"] }),
      );

      expect(run.status, run.stderr).to.equal(0);
      const ops = operations(run);
      expect(ops.slice(0, 5)).to.deep.equal([
        "sts get-caller-identity",
        "cloudformation validate-template",
        "cloudformation describe-stacks",
        "ssm get-parameter",
        "cloudformation create-stack",
      ]);
      expect(
        ops.filter((op) => op === "cloudformation describe-stacks"),
      ).to.have.length.of.at.least(4);
      expect(ops).not.to.include("cloudformation update-stack");

      const create = run.calls.find((argv) => argv[1] === "create-stack") ?? [];
      expect(option(create, "stack-name")).to.equal("hybrid-session-store");
      expect(option(create, "template-body")).to.equal(
        `file://${path.join(checkout, "infra", "elasticache-valkey-stack.yaml")}`,
      );
      expect(create).to.include.members(["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]);
      // Only the AMI, resolved once now: every other parameter takes the template's default.
      expect(create.filter((word) => word.startsWith("ParameterKey="))).to.deep.equal([
        `ParameterKey=ImageId,ParameterValue=${NEWEST_IMAGE}`,
      ]);
      const resolve = run.calls.find((argv) => argv[1] === "get-parameter") ?? [];
      expect(option(resolve, "name")).to.equal(IMAGE_PARAMETER);
      expect(run.stdout).to.include(`The instance runs AMI ${NEWEST_IMAGE}, pinned in the stack`);

      expect(run.stdout).to.match(/ResultsBucket\s+hss-results-123456789012/);
      expect(run.stdout).to.match(/ConfigurationEndpointAddress\s+clustercfg\.hss/);
      expect(run.stdout).to.match(/6 x cache\.t3\.micro @ 0\.0208\s+0\.1248 USD\/h/);
      expect(run.stdout).to.match(/Total\s+0\.1445 USD\/h \(about 3\.47 USD\/day\)/);
      expect(run.stdout).to.include("./teardown.sh");
      expect(run.stdout).to.include("Left out: the CloudWatch alarm");
      expect(run.stdout).to.include("and tax.");
      expect(run.stdout).to.include("standard CPU credits");

      const upload = run.calls.find((argv) => argv[0] === "s3" && argv[1] === "cp") ?? [];
      expect(upload[3]).to.equal(`s3://${BUCKET}/suite/suite.tar.gz`);
      const entries = tarEntries(
        path.join(run.fakeDir, "uploads", BUCKET, "suite", "suite.tar.gz"),
      );
      expect(entries).to.include.members([
        "deploy.sh",
        "teardown.sh",
        "aws/stack.sh",
        "package.json",
        "infra/elasticache-valkey-stack.yaml",
        "build/scripts/serve.js",
      ]);
      // Compiled from the packed files, and the upload says which revision they are.
      const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: checkout, encoding: "utf8" });
      expect(run.state.buckets?.[BUCKET]?.metadata?.["suite/suite.tar.gz"]).to.equal(
        `revision=${head.trim()}`,
      );
      expect(entries.filter((entry) => entry.startsWith("node_modules"))).to.deep.equal([]);
    });

    it("calls every AWS API in ap-northeast-1 unless AWS_REGION says otherwise", () => {
      const tokyo = runScript(checkout, "deploy.sh", emptyAccount());
      expect(tokyo.status, tokyo.stderr).to.equal(0);
      expect(tokyo.calls.map((argv) => option(argv, "region"))).to.satisfy((regions: string[]) =>
        regions.every((region) => region === "ap-northeast-1"),
      );

      const oregon = runScript(checkout, "deploy.sh", emptyAccount({}), {
        env: { AWS_REGION: "us-west-2", STACK_NAME: "hss-test" },
      });
      expect(oregon.status, oregon.stderr).to.equal(0);
      expect(new Set(oregon.calls.map((argv) => option(argv, "region")))).to.deep.equal(
        new Set(["us-west-2"]),
      );
      expect(oregon.state.stack?.name).to.equal("hss-test");
    });

    it("stops with the stack's failure events when the creation rolls back", () => {
      const run = runScript(
        checkout,
        "deploy.sh",
        emptyAccount({
          onCreate: ["CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"],
          events: [
            {
              LogicalResourceId: "ValkeyReplicationGroup",
              ResourceStatus: "CREATE_FAILED",
              ResourceStatusReason: "Cache node type not supported",
            },
          ],
        }),
      );
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include(
        "creating stack hybrid-session-store ended in ROLLBACK_COMPLETE",
      );
      expect(run.stderr).to.include("Cache node type not supported");
      expect(operations(run)).not.to.include("s3 cp");
    });

    it("gives up at the deadline when the stack never leaves CREATE_IN_PROGRESS", () => {
      const run = runScript(
        checkout,
        "deploy.sh",
        emptyAccount({ onCreate: ["CREATE_IN_PROGRESS"] }),
        {
          env: { STACK_WAIT_TIMEOUT_SECONDS: "0" },
        },
      );
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include("still CREATE_IN_PROGRESS after 0s");
    });

    it("refuses a template that CloudFormation rejects, before touching the stack", () => {
      const run = runScript(
        checkout,
        "deploy.sh",
        emptyAccount({ validateError: "Template format error: unsupported structure." }),
      );
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include("CloudFormation rejects the template");
      expect(operations(run)).not.to.include("cloudformation create-stack");
    });
  });

  describe("when the stack exists", () => {
    it("updates it and uploads the suite again", () => {
      const run = runScript(
        checkout,
        "deploy.sh",
        deployedAccount(
          {},
          {
            onUpdate: [
              "UPDATE_IN_PROGRESS",
              "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
              "UPDATE_COMPLETE",
            ],
          },
        ),
      );
      expect(run.status, run.stderr).to.equal(0);
      const ops = operations(run);
      expect(ops).to.include("cloudformation update-stack");
      expect(ops).not.to.include("cloudformation create-stack");
      expect(run.state.stack?.status).to.equal("UPDATE_COMPLETE");
      expect(run.stdout).to.include("Stack hybrid-session-store updated.");
      expect(ops).to.include("s3 cp");
    });

    it("keeps every parameter not given, and the pinned AMI, instead of the template's defaults", () => {
      const bigger = deployedAccount();
      if (bigger.stack?.parameters) bigger.stack.parameters.CacheNodeType = "cache.r7g.large";
      const run = runScript(checkout, "deploy.sh", bigger, { env: { INSTANCE_TYPE: "t3.small" } });
      expect(run.status, run.stderr).to.equal(0);
      const update = run.calls.find((argv) => argv[1] === "update-stack") ?? [];
      expect(update.filter((word) => word.startsWith("ParameterKey="))).to.deep.equal([
        "ParameterKey=ProjectName,UsePreviousValue=true",
        "ParameterKey=TableName,UsePreviousValue=true",
        "ParameterKey=InstanceType,ParameterValue=t3.small",
        "ParameterKey=CacheNodeType,UsePreviousValue=true",
        "ParameterKey=CreateDynamoDbEndpoint,UsePreviousValue=true",
        "ParameterKey=PointInTimeRecovery,UsePreviousValue=true",
        "ParameterKey=ImageId,UsePreviousValue=true",
      ]);
      expect(operations(run)).not.to.include("ssm get-parameter");
      expect(run.state.stack?.parameters).to.deep.include({
        CacheNodeType: "cache.r7g.large",
        InstanceType: "t3.small",
        ImageId: PINNED_IMAGE,
      });
      expect(run.stdout).to.include(
        "(the stack runs t3.small and cache.r7g.large; the estimate assumes t3.micro and cache.t3.micro)",
      );
    });

    it("moves to the newest AMI only when REFRESH_IMAGE=1 asks", () => {
      const run = runScript(checkout, "deploy.sh", deployedAccount(), {
        env: { REFRESH_IMAGE: "1" },
      });
      expect(run.status, run.stderr).to.equal(0);
      const update = run.calls.find((argv) => argv[1] === "update-stack") ?? [];
      expect(update).to.include(`ParameterKey=ImageId,ParameterValue=${NEWEST_IMAGE}`);
      expect(run.state.stack?.parameters?.ImageId).to.equal(NEWEST_IMAGE);
    });

    it("resolves the AMI once for a stack made before ImageId was a parameter", () => {
      const old = deployedAccount();
      delete old.stack?.parameters?.ImageId;
      delete old.stack?.parameters?.PointInTimeRecovery;
      const run = runScript(checkout, "deploy.sh", old);
      expect(run.status, run.stderr).to.equal(0);
      const update = run.calls.find((argv) => argv[1] === "update-stack") ?? [];
      const words = update.filter((word) => word.startsWith("ParameterKey="));
      expect(words).to.include(`ParameterKey=ImageId,ParameterValue=${NEWEST_IMAGE}`);
      // A parameter the stack never had takes the template's default.
      expect(words.some((word) => word.includes("PointInTimeRecovery"))).to.equal(false);
    });

    it('takes "No updates are to be performed" as success', () => {
      const run = runScript(checkout, "deploy.sh", deployedAccount({}, { onUpdate: "NO_UPDATES" }));
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.include("already up to date");
      expect(operations(run)).to.include("s3 cp");
    });

    it("recovers from ROLLBACK_COMPLETE by deleting the stack and creating it again", () => {
      const run = runScript(
        checkout,
        "deploy.sh",
        deployedAccount(
          { status: "ROLLBACK_COMPLETE", outputs: undefined },
          {
            onDelete: ["DELETE_IN_PROGRESS", "DELETE_COMPLETE"],
            buckets: { [BUCKET]: { objects: [] } },
          },
        ),
      );
      expect(run.status, run.stderr).to.equal(0);
      const ops = operations(run);
      const deleted = ops.indexOf("cloudformation delete-stack");
      const created = ops.indexOf("cloudformation create-stack");
      expect(deleted).to.be.greaterThan(-1);
      expect(created).to.be.greaterThan(deleted);
      expect(ops).not.to.include("cloudformation update-stack");
      expect(run.state.stack?.status).to.equal("CREATE_COMPLETE");
    });

    it("waits for an operation in progress before updating", () => {
      const run = runScript(
        checkout,
        "deploy.sh",
        deployedAccount({
          status: "UPDATE_IN_PROGRESS",
          queue: ["UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"],
        }),
      );
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.include("is UPDATE_IN_PROGRESS; waiting");
      expect(operations(run)).to.include("cloudformation update-stack");
    });

    for (const status of [
      "UPDATE_ROLLBACK_FAILED",
      "DELETE_FAILED",
      "CREATE_FAILED",
      "ROLLBACK_FAILED",
    ]) {
      it(`stops with a clear message when the stack is ${status}`, () => {
        const run = runScript(checkout, "deploy.sh", deployedAccount({ status }));
        expect(run.status).to.equal(1);
        expect(run.stderr).to.match(
          new RegExp(`deploy\\.sh: stack hybrid-session-store is ${status}`),
        );
        const ops = operations(run);
        for (const change of ["create-stack", "update-stack", "delete-stack"]) {
          expect(ops).not.to.include(`cloudformation ${change}`);
        }
        expect(ops).not.to.include("s3 cp");
      });
    }
  });

  describe("installing the session service on the instance", () => {
    const INSTANCE = OUTPUTS.InstanceId;
    const sent = (run: ScriptRun) => run.state.ssm?.commands ?? [];

    it("runs the uploaded suite's installer on the stack's instance over SSM, after the upload", () => {
      const run = runScript(checkout, "deploy.sh", emptyAccount());
      expect(run.status, run.stderr).to.equal(0);
      const ops = operations(run);
      expect(ops.indexOf("ssm send-command")).to.be.greaterThan(ops.indexOf("s3 cp"));
      expect(sent(run)).to.have.length(1);
      const [command] = sent(run);
      expect(command?.instanceIds).to.deep.equal([INSTANCE]);
      expect(command?.parameters.commands).to.include.members([
        `aws s3 cp --region ap-northeast-1 --only-show-errors s3://${BUCKET}/suite/suite.tar.gz suite.tar.gz`,
        "tar -xzf suite.tar.gz infra/install-session-service.sh",
        "bash infra/install-session-service.sh suite.tar.gz",
      ]);
      expect(command?.parameters.executionTimeout).to.deep.equal(["1800"]);
      // The installer it names is the one in this repository, and deploy.sh packs it.
      expect(fs.existsSync(path.join(REPO_ROOT, "infra", "install-session-service.sh"))).to.equal(
        true,
      );
      for (const line of INSTALL_OUTPUT.trimEnd().split("\n")) {
        expect(run.stdout).to.include(`  ${line}\n`);
      }
      expect(run.stdout).to.include(
        `aws ssm start-session --region ap-northeast-1 --target ${INSTANCE} --document-name AWS-StartPortForwardingSession --parameters portNumber=8000,localPortNumber=8000`,
      );
    });

    it("waits for the instance's SSM agent to come online, and for SSM to list the command", () => {
      const run = runScript(
        checkout,
        "deploy.sh",
        emptyAccount({
          ssm: {
            pingStatuses: ["None", "ConnectionLost", "Online"],
            invocation: {
              statuses: ["NotListedYet", "Pending", "InProgress", "Success"],
              stdout: INSTALL_OUTPUT,
              stderr: "",
            },
          },
        }),
      );
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.include(`waiting for the SSM agent of ${INSTANCE} (None)`);
      expect(run.stdout).to.include(`waiting for the SSM agent of ${INSTANCE} (ConnectionLost)`);
      expect(
        operations(run).filter((op) => op === "ssm describe-instance-information"),
      ).to.have.length(3);
      expect(run.stdout).to.include("answered 200");
    });

    it("fails with the installer's own words when it fails, saying the stack is up", () => {
      const run = runScript(
        checkout,
        "deploy.sh",
        emptyAccount({
          ssm: {
            invocation: {
              statuses: ["InProgress", "Failed"],
              stdout:
                "Installing release 0123456789ab into /opt/session-service/releases/0123456789ab...\n",
              stderr:
                "install-session-service: npm ci failed in /opt/session-service/releases/0123456789ab\n",
            },
          },
        }),
      );
      expect(run.status).to.equal(1);
      expect(run.stdout).to.include("  Installing release 0123456789ab");
      expect(run.stderr).to.include("  install-session-service: npm ci failed");
      expect(run.stderr).to.include(
        `deploy.sh: installing the session service on ${INSTANCE} ended Failed (its output is above); the stack is up.`,
      );
    });

    it("gives up at the deadline when the SSM agent never comes online, sending nothing", () => {
      const run = runScript(
        checkout,
        "deploy.sh",
        emptyAccount({ ssm: { pingStatuses: ["None"] } }),
        {
          env: { SERVICE_INSTALL_TIMEOUT_SECONDS: "0" },
        },
      );
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include(
        `the SSM agent of ${INSTANCE} is not online after 0s (ping status: None)`,
      );
      expect(operations(run)).not.to.include("ssm send-command");
    });

    it("gives up at the deadline when the install never ends, saying how to follow it", () => {
      const run = runScript(
        checkout,
        "deploy.sh",
        emptyAccount({ ssm: { invocation: { statuses: ["InProgress"], stdout: "", stderr: "" } } }),
        { env: { SERVICE_INSTALL_TIMEOUT_SECONDS: "0" } },
      );
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include("installing the session service is still InProgress after 0s");
      expect(run.stderr).to.include(
        `aws ssm get-command-invocation --region ap-northeast-1 --command-id cmd-1 --instance-id ${INSTANCE}`,
      );
    });
  });

  describe("prerequisites", () => {
    for (const name of ["Hss", "a".repeat(43), "9lives", "hss_store", "xn--hss"]) {
      it(`refuses STACK_NAME ${name.length > 20 ? `of ${name.length} characters` : name}, calling nothing`, () => {
        const run = runScript(checkout, "deploy.sh", emptyAccount(), { env: { STACK_NAME: name } });
        expect(run.status).to.equal(1);
        expect(run.stderr).to.include(`STACK_NAME '${name}' must be 1 to 42 lowercase letters`);
        expect(run.calls).to.deep.equal([]);
      });
    }

    it("accepts a STACK_NAME of 42 characters", () => {
      const name = `h${"s".repeat(41)}`;
      const run = runScript(checkout, "deploy.sh", emptyAccount(), { env: { STACK_NAME: name } });
      expect(run.status, run.stderr).to.equal(0);
    });

    it("refuses a checkout without node_modules, before touching the stack", () => {
      const bare = makeCheckout();
      fs.rmSync(path.join(bare, "node_modules"), { recursive: true });
      const run = runScript(bare, "deploy.sh", emptyAccount());
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include("node_modules is missing; run npm ci first");
      expect(operations(run)).not.to.include("cloudformation create-stack");
    });

    it("uploads nothing when the service does not compile", () => {
      const broken = makeCheckout();
      const manifest = path.join(broken, "package.json");
      const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as {
        scripts: Record<string, string>;
      };
      pkg.scripts["build:service"] = "echo 'scripts/serve.ts(1,1): error TS1005' >&2 && exit 2";
      fs.writeFileSync(manifest, JSON.stringify(pkg));
      execFileSync(
        "git",
        ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qam", "broken"],
        {
          cwd: broken,
        },
      );
      const run = runScript(broken, "deploy.sh", emptyAccount());
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include("error TS1005");
      expect(run.stderr).to.include("npm run build:service failed");
      expect(operations(run)).not.to.include("s3 cp");
    });

    it("says the credentials do not work and never calls CloudFormation", () => {
      const run = runScript(checkout, "deploy.sh", emptyAccount({ credentials: false }));
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include("deploy.sh: AWS credentials do not work");
      expect(run.stderr).to.include("Unable to locate credentials");
      expect(run.calls.filter((argv) => argv[0] === "cloudformation")).to.deep.equal([]);
    });

    it("says the AWS CLI is missing when no aws is on PATH", () => {
      const run = runScript(checkout, "deploy.sh", emptyAccount(), { path: emptyDir() });
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include("deploy.sh: the AWS CLI (aws) is not on PATH");
      expect(run.calls).to.deep.equal([]);
    });

    it("refuses a region that is not a region name", () => {
      const run = runScript(checkout, "deploy.sh", emptyAccount(), {
        env: { AWS_REGION: "tokyo" },
      });
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include("region 'tokyo' is not an AWS region name");
      expect(run.calls).to.deep.equal([]);
    });
  });
});
