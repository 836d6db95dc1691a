import * as fs from "node:fs";
import * as path from "node:path";
import { after, beforeEach, describe, it } from "node:test";
import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
} from "@aws-sdk/client-cloudformation";
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import type { FeaturesOnAwsConfig } from "../../aws/config";
import {
  EXIT_REMOTE_NOT_RUN,
  EXIT_SETUP_FAILED,
  runFeaturesOnAws,
} from "../../aws/runFeaturesOnAws";
import {
  fakeClock,
  objectBody,
  outputsOf,
  removeTemporaryDirs,
  STACK_OUTPUTS,
  tarball,
  temporaryDir,
} from "./fakes";

const RUN_ID = "20250101T000000Z-abc123";
const BUCKET = "hss-results-123456789012";
const REVISION = "0123456789abcdef0123456789abcdef01234567";
const EXIT_CODE_KEY = `results/${RUN_ID}/exit-code`;

describe("runFeaturesOnAws", () => {
  const cfn = new CloudFormationClient({ region: "ap-northeast-1" });
  const ssm = new SSMClient({ region: "ap-northeast-1" });
  const s3 = new S3Client({ region: "ap-northeast-1" });
  const cfnMock = mockClient(cfn);
  const ssmMock = mockClient(ssm);
  const s3Mock = mockClient(s3);
  let config: FeaturesOnAwsConfig;
  let logged: string[];
  let errors: string[];
  let checkout: { revision: string; dirty: boolean } | undefined;

  const run = () =>
    runFeaturesOnAws(config, {
      cfn,
      ssm,
      s3,
      clock: fakeClock(),
      newRunId: () => RUN_ID,
      checkout,
      log: (line) => logged.push(line),
      logError: (line) => errors.push(line),
    });

  /**
   * The remote command ends with this invocation; with `suiteExit`, the suite ran to its end and
   * the script uploaded that exit code.
   */
  const remoteEnds = (
    invocation: {
      Status: "Success" | "Failed" | "TimedOut" | "Cancelled";
      StatusDetails?: string;
      ResponseCode: number;
      StandardOutputContent?: string;
      StandardErrorContent?: string;
    },
    suiteExit?: number,
  ) => {
    ssmMock
      .on(GetCommandInvocationCommand)
      .resolvesOnce({ Status: "InProgress" })
      .resolves(invocation);
    if (suiteExit !== undefined) {
      s3Mock
        .on(GetObjectCommand, { Bucket: BUCKET, Key: EXIT_CODE_KEY })
        .resolves({ Body: objectBody(`${suiteExit}\n`) });
    }
  };

  beforeEach(() => {
    cfnMock.reset();
    ssmMock.reset();
    s3Mock.reset();
    logged = [];
    errors = [];
    checkout = { revision: REVISION, dirty: false };
    config = {
      stackName: "hybrid-session-store",
      region: "ap-northeast-1",
      executionTimeoutSeconds: 3600,
      pollIntervalMs: 10_000,
      resultsDir: path.join(temporaryDir(), "allure-results"),
      toxiproxyUrl: "http://127.0.0.1:8474",
    };
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: "hybrid-session-store",
          StackStatus: "CREATE_COMPLETE",
          CreationTime: new Date(0),
          Outputs: outputsOf(STACK_OUTPUTS),
        },
      ],
    });
    s3Mock
      .on(HeadObjectCommand, { Bucket: BUCKET, Key: "suite/suite.tar.gz" })
      .resolves({ Metadata: { revision: REVISION } });
    s3Mock
      .on(GetObjectCommand, { Bucket: BUCKET, Key: EXIT_CODE_KEY })
      .rejects(new NoSuchKey({ message: "The specified key does not exist.", $metadata: {} }));
    s3Mock
      .on(GetObjectCommand, { Bucket: BUCKET, Key: `results/${RUN_ID}/allure-results.tar.gz` })
      .resolves({ Body: objectBody(tarball({ "abc-result.json": '{"status":"passed"}' })) });
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-1" } });
  });
  after(removeTemporaryDirs);

  it("exits 0 when the suite passes, with its results unpacked into allure-results", async () => {
    fs.mkdirSync(config.resultsDir, { recursive: true });
    fs.writeFileSync(path.join(config.resultsDir, "stale-result.json"), "{}");
    remoteEnds(
      {
        Status: "Success",
        ResponseCode: 0,
        StandardOutputContent: "HSS_SUITE_EXIT=0\n3 scenarios (3 passed)\n",
      },
      0,
    );

    const code = await run();

    expect(code, errors.join("\n")).to.equal(0);
    expect(logged[0]).to.equal(`The uploaded suite is ${REVISION}.`);
    expect(fs.readdirSync(config.resultsDir)).to.deep.equal(["abc-result.json"]);
    expect(logged).to.include("HSS_SUITE_EXIT=0\n3 scenarios (3 passed)");
    expect(logged.at(-1)).to.equal(`The suite passed; its results are in ${config.resultsDir}/.`);

    const sent = ssmMock.commandCalls(SendCommandCommand)[0]?.args[0].input;
    expect(sent?.InstanceIds).to.deep.equal(["i-0123456789abcdef0"]);
    const script = sent?.Parameters?.commands?.join("\n") ?? "";
    expect(script).to.include(`'s3://${BUCKET}/suite/suite.tar.gz'`);
    expect(script).to.include(
      "HSS_VALKEY_ENDPOINT='clustercfg.hss.abc123.apne1.cache.amazonaws.com:6379' " +
        "HSS_DYNAMODB_REGION='ap-northeast-1' HSS_TABLE='session-store' " +
        "TOXIPROXY_URL='http://127.0.0.1:8474' node build/scripts/features-instance.js",
    );
    expect(script).to.include(`'s3://${BUCKET}/results/${RUN_ID}/allure-results.tar.gz'`);
  });

  it("exits with the suite's code when scenarios fail, still bringing the results home", async () => {
    remoteEnds(
      {
        Status: "Failed",
        StatusDetails: "Failed",
        ResponseCode: 1,
        StandardOutputContent: "HSS_SUITE_EXIT=1\n",
      },
      1,
    );

    const code = await run();

    expect(code).to.equal(1);
    expect(fs.readdirSync(config.resultsDir)).to.deep.equal(["abc-result.json"]);
    expect(logged.at(-1)).to.equal(
      `The suite failed with exit code 1; its results are in ${config.resultsDir}/.`,
    );
  });

  it("says the suite could not run when the command fails before the suite ends", async () => {
    remoteEnds({
      Status: "Failed",
      StatusDetails: "Failed",
      ResponseCode: 1,
      StandardOutputContent: "HSS_STEP=download\n",
      StandardErrorContent:
        "download failed: s3://.../suite.tar.gz An error occurred (403) Forbidden",
    });

    const code = await run();

    expect(code).to.equal(EXIT_REMOTE_NOT_RUN);
    expect(errors.join("\n")).to.include(
      "features:aws: the suite could not run on the instance: command cmd-1 ended Failed (Failed) without running the suite to its end: the script exited 1 before it uploaded the suite's exit code; its stderr ends:\ndownload failed",
    );
    const keys = s3Mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key);
    expect(keys).to.deep.equal([EXIT_CODE_KEY]);
  });

  it("says the command timed out on the instance", async () => {
    remoteEnds({ Status: "TimedOut", StatusDetails: "ExecutionTimedOut", ResponseCode: -1 });

    const code = await run();

    expect(code).to.equal(EXIT_REMOTE_NOT_RUN);
    expect(errors.join("\n")).to.include("it ran longer than HSS_REMOTE_TIMEOUT_SECONDS allows");
  });

  it("says the command was never delivered", async () => {
    remoteEnds({ Status: "TimedOut", StatusDetails: "DeliveryTimedOut", ResponseCode: -1 });

    const code = await run();

    expect(code).to.equal(EXIT_REMOTE_NOT_RUN);
    expect(errors.join("\n")).to.include("the instance's SSM agent never picked it up");
  });

  it("stops at its own deadline when the command never ends", async () => {
    config.executionTimeoutSeconds = 60;
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: "InProgress" });

    const code = await run();

    expect(code).to.equal(EXIT_REMOTE_NOT_RUN);
    expect(errors.join("\n")).to.match(
      /command cmd-1 was still InProgress after 660 s; it was cancelled/,
    );
  });

  it("exits 2, sending nothing, when the stack does not exist", async () => {
    cfnMock.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: "ValidationError",
        $fault: "client",
        $metadata: {},
        message: "Stack with id hybrid-session-store does not exist",
      }),
    );

    const code = await run();

    expect(code).to.equal(EXIT_SETUP_FAILED);
    expect(errors).to.deep.equal([
      "features:aws: stack hybrid-session-store does not exist in ap-northeast-1; deploy it with ./deploy.sh",
    ]);
    expect(ssmMock.commandCalls(SendCommandCommand)).to.deep.equal([]);
  });

  it("exits 2, sending nothing, when deploy.sh has not uploaded the suite", async () => {
    s3Mock
      .on(HeadObjectCommand)
      .rejects(new NotFound({ message: "Not Found", $metadata: { httpStatusCode: 404 } }));

    const code = await run();

    expect(code).to.equal(EXIT_SETUP_FAILED);
    expect(errors[0]).to.equal(
      `features:aws: s3://${BUCKET}/suite/suite.tar.gz does not exist; ./deploy.sh uploads the suite there`,
    );
    expect(ssmMock.commandCalls(SendCommandCommand)).to.deep.equal([]);
  });

  it("reads the suite's exit code from S3 when SSM cut the output before any marker", async () => {
    // GetCommandInvocation keeps the first 24,000 characters; here they are all log.
    remoteEnds(
      {
        Status: "Failed",
        StatusDetails: "Failed",
        ResponseCode: 1,
        StandardOutputContent: "x".repeat(24_000),
      },
      1,
    );
    expect(await run()).to.equal(1);
  });

  it("trusts no marker in stdout: without the uploaded exit code the suite did not run", async () => {
    remoteEnds({ Status: "Success", ResponseCode: 0, StandardOutputContent: "HSS_SUITE_EXIT=0\n" });
    expect(await run()).to.equal(EXIT_REMOTE_NOT_RUN);
  });

  it("refuses, sending nothing, when the uploaded suite is another commit than the checkout", async () => {
    checkout = { revision: "fedcba9876543210fedcba9876543210fedcba98", dirty: false };

    const code = await run();

    expect(code).to.equal(EXIT_SETUP_FAILED);
    expect(logged).to.deep.equal([`The uploaded suite is ${REVISION}.`]);
    expect(errors).to.deep.equal([
      `features:aws: the uploaded suite is ${REVISION}, but this checkout is fedcba9876543210fedcba9876543210fedcba98; run ./deploy.sh to upload this one (or check out ${REVISION})`,
    ]);
    expect(ssmMock.commandCalls(SendCommandCommand)).to.deep.equal([]);
  });

  it("refuses a suite whose upload does not say its revision", async () => {
    s3Mock.on(HeadObjectCommand).resolves({ Metadata: {} });
    expect(await run()).to.equal(EXIT_SETUP_FAILED);
    expect(errors[0]).to.include("the uploaded suite does not say which revision it is");
    expect(ssmMock.commandCalls(SendCommandCommand)).to.deep.equal([]);
  });

  it("runs the commit, saying that uncommitted changes are not in it", async () => {
    checkout = { revision: REVISION, dirty: true };
    remoteEnds({ Status: "Success", ResponseCode: 0 }, 0);
    expect(await run()).to.equal(0);
    expect(logged).to.include(
      "Note: this checkout has uncommitted changes; the instance runs the commit without them.",
    );
  });

  it("runs the uploaded suite when git cannot tell the checkout's revision, saying so", async () => {
    checkout = undefined;
    remoteEnds({ Status: "Success", ResponseCode: 0 }, 0);
    expect(await run()).to.equal(0);
    expect(logged).to.include(
      "git cannot tell this checkout's revision; running the uploaded suite as it is.",
    );
  });

  it("says so when the results are not where the run put them", async () => {
    remoteEnds(
      { Status: "Success", ResponseCode: 0, StandardOutputContent: "HSS_SUITE_EXIT=0\n" },
      0,
    );
    s3Mock
      .on(GetObjectCommand, { Key: `results/${RUN_ID}/allure-results.tar.gz` })
      .rejects(new NoSuchKey({ message: "The specified key does not exist.", $metadata: {} }));

    const code = await run();

    expect(code).to.equal(EXIT_REMOTE_NOT_RUN);
    expect(errors[0]).to.include(
      `the run's results are not at s3://${BUCKET}/results/${RUN_ID}/allure-results.tar.gz`,
    );
  });
});
