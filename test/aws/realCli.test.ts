/**
 * deploy.sh and teardown.sh under the real AWS CLI v2, against canned AWS services on loopback
 * (test/aws/cannedAws.ts): a flag the CLI does not know, a parameter its model refuses or a --query
 * that does not fit the response fails here, where the fake `aws` of the other tests would not see it.
 */
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { type CannedAws, type CannedCall, startCannedAws } from "./cannedAws";
import {
  BUCKET,
  deployedAccount,
  emptyAccount,
  IMAGE_PARAMETER,
  INSTALL_OUTPUT,
  makeCheckout,
  NEWEST_IMAGE,
  PINNED_IMAGE,
  removeTemporaryDirs,
  runScriptWithCli,
  TAGGED,
} from "./harness";

const operations = (calls: CannedCall[]): string[] =>
  calls.map((c) => `${c.service} ${c.operation}`);
const callOf = (calls: CannedCall[], operation: string): CannedCall | undefined =>
  calls.find((c) => c.operation === operation);

/** CreateStack's or UpdateStack's Parameters.member.N fields as "Key=Value" or "Key=previous". */
function sentParameters(call: CannedCall | undefined): string[] {
  const params = call?.params ?? {};
  const out: string[] = [];
  for (let n = 1; params[`Parameters.member.${n}.ParameterKey`] !== undefined; n++) {
    const key = params[`Parameters.member.${n}.ParameterKey`];
    out.push(
      params[`Parameters.member.${n}.UsePreviousValue`] === "true"
        ? `${key}=previous`
        : `${key}=${params[`Parameters.member.${n}.ParameterValue`]}`,
    );
  }
  return out;
}

describe("deploy.sh and teardown.sh with the real AWS CLI v2", () => {
  let checkout = "";
  let aws: CannedAws | undefined;
  before(() => {
    checkout = makeCheckout();
  });
  after(async () => {
    await aws?.close();
    removeTemporaryDirs();
  });

  const against = async (state: Parameters<typeof startCannedAws>[0]) => {
    await aws?.close();
    aws = await startCannedAws(state);
    return aws;
  };

  it("deploys a new stack: the AMI resolved once, the suite uploaded with its revision, the service installed", async () => {
    const canned = await against(
      emptyAccount({ onCreate: ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"] }),
    );
    const run = await runScriptWithCli(checkout, "deploy.sh", canned);

    expect(run.status, run.stderr).to.equal(0);
    expect(operations(run.calls).slice(0, 5)).to.deep.equal([
      "sts GetCallerIdentity",
      "cloudformation ValidateTemplate",
      "cloudformation DescribeStacks",
      "ssm GetParameter",
      "cloudformation CreateStack",
    ]);
    expect(callOf(run.calls, "GetParameter")?.params.Name).to.equal(
      JSON.stringify(IMAGE_PARAMETER),
    );
    const create = callOf(run.calls, "CreateStack");
    expect(sentParameters(create)).to.deep.equal([`ImageId=${NEWEST_IMAGE}`]);
    expect(create?.params).to.deep.include({
      "Capabilities.member.1": "CAPABILITY_IAM",
      "Capabilities.member.2": "CAPABILITY_NAMED_IAM",
    });
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: checkout, encoding: "utf8" });
    expect(callOf(run.calls, "PutObject")?.params).to.deep.include({
      Bucket: BUCKET,
      Key: "suite/suite.tar.gz",
      Metadata: `revision=${head.trim()}`,
    });
    expect(operations(run.calls)).to.include.members([
      "ssm DescribeInstanceInformation",
      "ssm SendCommand",
      "ssm GetCommandInvocation",
    ]);
    expect(run.stdout).to.include(`The instance runs AMI ${NEWEST_IMAGE}, pinned in the stack`);
    expect(run.stdout).to.match(/ResultsBucket\s+hss-results-123456789012/);
    expect(run.stdout).to.include(INSTALL_OUTPUT.split("\n")[1]);
  });

  it("updates a stack keeping every parameter not given, and the pinned AMI", async () => {
    const deployed = deployedAccount();
    if (deployed.stack?.parameters) deployed.stack.parameters.CacheNodeType = "cache.r7g.large";
    const canned = await against(deployed);
    const run = await runScriptWithCli(checkout, "deploy.sh", canned, {
      INSTANCE_TYPE: "t3.small",
    });

    expect(run.status, run.stderr).to.equal(0);
    expect(sentParameters(callOf(run.calls, "UpdateStack"))).to.deep.equal([
      "ProjectName=previous",
      "TableName=previous",
      "InstanceType=t3.small",
      "CacheNodeType=previous",
      "CreateDynamoDbEndpoint=previous",
      "PointInTimeRecovery=previous",
      "ImageId=previous",
    ]);
    expect(operations(run.calls)).not.to.include("ssm GetParameter");
    expect(canned.state.stack?.parameters).to.deep.include({
      InstanceType: "t3.small",
      CacheNodeType: "cache.r7g.large",
      ImageId: PINNED_IMAGE,
    });
  });

  it("tears down: empties the bucket, deletes the stack, and asks each tagged ARN's service", async () => {
    const deployed = deployedAccount(
      {},
      {
        buckets: { [BUCKET]: { objects: ["suite/suite.tar.gz", "results/run-1/suite.log"] } },
        // Stale records of what the deletion removed, and one subnet that is still there.
        tagged: [TAGGED.map((t) => t.arn)],
        alive: ["subnet-0a"],
      },
    );
    const canned = await against(deployed);
    const run = await runScriptWithCli(checkout, "teardown.sh", canned);

    expect(run.status).to.equal(1);
    const ops = operations(run.calls);
    expect(ops.indexOf("cloudformation DeleteStack")).to.be.greaterThan(
      ops.lastIndexOf("s3 ListObjectVersions"),
    );
    expect(ops).to.include.members([
      "ec2 DescribeVpcs",
      "ec2 DescribeSubnets",
      "ec2 DescribeInternetGateways",
      "ec2 DescribeRouteTables",
      "ec2 DescribeSecurityGroups",
      "ec2 DescribeLaunchTemplates",
      "ec2 DescribeVpcEndpoints",
      "elasticache DescribeReplicationGroups",
      "elasticache DescribeCacheClusters",
      "elasticache DescribeCacheSubnetGroups",
      "dynamodb DescribeTable",
      "s3 HeadBucket",
      "monitoring DescribeAlarms",
    ]);
    expect(canned.state.stack).to.equal(null);
    const listed = run.stderr.split("\n").filter((line) => line.startsWith("  arn:"));
    expect(listed).to.deep.equal([`  ${TAGGED[1]?.arn}`]);
  });
});
