import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import {
  BUCKET,
  deployedAccount,
  emptyAccount,
  emptyDir,
  INSTALL_OUTPUT,
  makeCheckout,
  OUTPUTS,
  operations,
  option,
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
      expect(ops.slice(0, 4)).to.deep.equal([
        "sts get-caller-identity",
        "cloudformation validate-template",
        "cloudformation describe-stacks",
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
      expect(create).to.include.members([
        "ParameterKey=ProjectName,ParameterValue=hybrid-session-store",
        "ParameterKey=TableName,ParameterValue=session-store",
      ]);

      expect(run.stdout).to.match(/ResultsBucket\s+hss-results-123456789012/);
      expect(run.stdout).to.match(/ConfigurationEndpointAddress\s+clustercfg\.hss/);
      expect(run.stdout).to.match(/6 x cache\.t3\.micro @ 0\.0208\s+0\.1248 USD\/h/);
      expect(run.stdout).to.match(/Total\s+0\.1445 USD\/h \(about 3\.47 USD\/day\)/);
      expect(run.stdout).to.include("./teardown.sh");

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
      ]);
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
