import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import {
  BUCKET,
  deployedAccount,
  emptyAccount,
  makeCheckout,
  operations,
  option,
  removeTemporaryDirs,
  runScript,
  TAGGED,
} from "./harness";

const VPC_ARN = "arn:aws:ec2:ap-northeast-1:123456789012:vpc/vpc-0123456789abcdef0";
const INSTANCE_ARN = "arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0123456789abcdef0";
const VOLUME_ARN = "arn:aws:ec2:ap-northeast-1:123456789012:volume/vol-0123456789abcdef0";
describe("teardown.sh", () => {
  let checkout = "";
  before(() => {
    checkout = makeCheckout();
  });
  after(removeTemporaryDirs);

  it("empties the results bucket before deleting the stack, then finds nothing left", () => {
    const run = runScript(
      checkout,
      "teardown.sh",
      deployedAccount(
        {},
        {
          onDelete: ["DELETE_IN_PROGRESS", "DELETE_IN_PROGRESS", "DELETE_COMPLETE"],
          buckets: {
            [BUCKET]: { objects: ["suite/suite.tar.gz", "results/run-1/allure-results.tar.gz"] },
          },
        },
      ),
    );

    expect(run.status, run.stderr).to.equal(0);
    const ops = operations(run);
    const emptied = ops.indexOf("s3 rm");
    const deleted = ops.indexOf("cloudformation delete-stack");
    expect(emptied).to.be.greaterThan(-1);
    expect(deleted).to.be.greaterThan(emptied);
    expect(run.calls[emptied]).to.include.members([`s3://${BUCKET}`, "--recursive"]);
    expect(run.state.stack).to.equal(null);
    const tagQuery = run.calls.find((argv) => argv[1] === "get-resources") ?? [];
    expect(option(tagQuery, "tag-filters")).to.equal("Key=Project,Values=hybrid-session-store");
    expect(run.stdout).to.include(
      "Nothing tagged Project=hybrid-session-store is left in ap-northeast-1.",
    );
    expect(run.calls.map((argv) => option(argv, "region"))).to.satisfy((regions: string[]) =>
      regions.every((region) => region === "ap-northeast-1"),
    );
  });

  it("deletes every version and delete marker of a versioned bucket", () => {
    const versions = [
      { Key: "suite/suite.tar.gz", VersionId: "v1" },
      { Key: "suite/suite.tar.gz", VersionId: "v2" },
      { Key: "results/run 1/allure-results.tar.gz", VersionId: "v3" },
    ];
    const run = runScript(
      checkout,
      "teardown.sh",
      deployedAccount(
        {},
        {
          buckets: {
            [BUCKET]: {
              versioned: true,
              objects: ["suite/suite.tar.gz", "results/run 1/allure-results.tar.gz"],
              versions,
              deleteMarkers: [{ Key: "old.txt", VersionId: "d1" }],
            },
          },
        },
      ),
    );

    expect(run.status, run.stderr).to.equal(0);
    const deletedVersions = run.calls
      .filter((argv) => argv[1] === "delete-object")
      .map((argv) => `${option(argv, "key")}@${option(argv, "version-id")}`);
    expect(deletedVersions).to.include.members([
      "suite/suite.tar.gz@v1",
      "suite/suite.tar.gz@v2",
      "results/run 1/allure-results.tar.gz@v3",
      "old.txt@d1",
    ]);
    expect(run.state.stack).to.equal(null);
  });

  it("says there is nothing to do when the stack does not exist", () => {
    const run = runScript(checkout, "teardown.sh", emptyAccount());
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.include(
      "Stack hybrid-session-store does not exist in ap-northeast-1: nothing to tear down.",
    );
    expect(operations(run)).not.to.include("cloudformation delete-stack");
  });

  it("waits for a deletion already in progress, then checks what is left", () => {
    const run = runScript(
      checkout,
      "teardown.sh",
      deployedAccount({
        status: "DELETE_IN_PROGRESS",
        queue: ["DELETE_IN_PROGRESS", "DELETE_COMPLETE"],
      }),
    );
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.include("Stack hybrid-session-store is gone.");
    expect(operations(run)).not.to.include("cloudformation delete-stack");
    expect(operations(run)).to.include("resourcegroupstaggingapi get-resources");
  });

  it("fails, listing them, when resources tagged with the project are still there", () => {
    const run = runScript(
      checkout,
      "teardown.sh",
      deployedAccount({}, { tagged: [[VPC_ARN]], alive: ["vpc-0123456789abcdef0"] }),
    );
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include(
      "these resources tagged Project=hybrid-session-store still exist",
    );
    expect(run.stderr).to.include(VPC_ARN);
  });

  it("asks again until the tagging API catches up, within the deadline", () => {
    const run = runScript(
      checkout,
      "teardown.sh",
      deployedAccount({}, { tagged: [[VPC_ARN], [VPC_ARN], []], alive: ["vpc-0123456789abcdef0"] }),
      {
        env: { LEFTOVER_TIMEOUT_SECONDS: "60" },
      },
    );
    expect(run.status, run.stderr).to.equal(0);
    expect(
      operations(run).filter((op) => op === "resourcegroupstaggingapi get-resources"),
    ).to.have.length(3);
  });

  it("does not count a terminated instance or a deleted volume that the tagging API still lists", () => {
    const run = runScript(
      checkout,
      "teardown.sh",
      deployedAccount(
        {},
        {
          tagged: [[INSTANCE_ARN, VOLUME_ARN]],
          instances: { "i-0123456789abcdef0": "terminated" },
        },
      ),
    );
    expect(run.status, run.stderr).to.equal(0);
    expect(operations(run)).to.include.members(["ec2 describe-instances", "ec2 describe-volumes"]);
  });

  it("asks each listed ARN's own service, and does not wait for records of what is gone", () => {
    const run = runScript(
      checkout,
      "teardown.sh",
      deployedAccount({}, { tagged: [TAGGED.map((t) => t.arn)] }),
      // Were a stale record counted, this run would wait here until the deadline.
      { env: { LEFTOVER_TIMEOUT_SECONDS: "600", POLL_INTERVAL_SECONDS: "600" } },
    );
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.include("Nothing tagged Project=hybrid-session-store is left");
    expect(operations(run)).to.include.members(TAGGED.map((t) => t.describe));
    expect(
      operations(run).filter((op) => op === "resourcegroupstaggingapi get-resources"),
    ).to.have.length(1);
  });

  it("lists every resource its describe call still finds, of each type", () => {
    const run = runScript(
      checkout,
      "teardown.sh",
      deployedAccount(
        // The bucket outlives the stack here; the fake would otherwise delete it with the stack.
        { resources: [] },
        { tagged: [TAGGED.map((t) => t.arn)], alive: TAGGED.map((t) => t.id) },
      ),
    );
    expect(run.status).to.equal(1);
    for (const { arn } of TAGGED) expect(run.stderr).to.include(`  ${arn}\n`);
  });

  it("counts a resource of a type it cannot describe", () => {
    const role = "arn:aws:iam::123456789012:role/hss-InstanceRole-ABC";
    const run = runScript(checkout, "teardown.sh", deployedAccount({}, { tagged: [[role]] }));
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include(role);
  });

  it("says that a table with point-in-time recovery leaves DynamoDB's 35-day system backup", () => {
    const withBackups = deployedAccount();
    if (withBackups.stack?.parameters) withBackups.stack.parameters.PointInTimeRecovery = "true";
    const run = runScript(checkout, "teardown.sh", withBackups);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.include("DynamoDB keeps a system backup of it for 35 days");
    const quiet = runScript(checkout, "teardown.sh", deployedAccount());
    expect(quiet.stdout).not.to.include("system backup");
  });

  it("counts an instance that is still running", () => {
    const run = runScript(
      checkout,
      "teardown.sh",
      deployedAccount(
        {},
        { tagged: [[INSTANCE_ARN]], instances: { "i-0123456789abcdef0": "running" } },
      ),
    );
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include(INSTANCE_ARN);
  });

  it("checks the tag the stack was made with", () => {
    const run = runScript(
      checkout,
      "teardown.sh",
      deployedAccount({ parameters: { ProjectName: "hss-experiment", TableName: "t" } }),
    );
    expect(run.status, run.stderr).to.equal(0);
    const tagQuery = run.calls.find((argv) => argv[1] === "get-resources") ?? [];
    expect(option(tagQuery, "tag-filters")).to.equal("Key=Project,Values=hss-experiment");
  });

  it("reports a deletion that fails with the stack's failure events", () => {
    const run = runScript(
      checkout,
      "teardown.sh",
      deployedAccount(
        {},
        {
          onDelete: ["DELETE_IN_PROGRESS", "DELETE_FAILED"],
          events: [
            {
              LogicalResourceId: "Vpc",
              ResourceStatus: "DELETE_FAILED",
              ResourceStatusReason: "has dependencies",
            },
          ],
        },
      ),
    );
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include("deleting stack hybrid-session-store ended in DELETE_FAILED");
    expect(run.stderr).to.include("has dependencies");
  });

  it("says the credentials do not work and never calls CloudFormation", () => {
    const run = runScript(checkout, "teardown.sh", deployedAccount({}, { credentials: false }));
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include("teardown.sh: AWS credentials do not work");
    expect(run.calls.filter((argv) => argv[0] === "cloudformation")).to.deep.equal([]);
  });
});
