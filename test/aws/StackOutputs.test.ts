import { beforeEach, describe, it } from "node:test";
import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { StackNotFoundError, StackNotReadyError, StackOutputMissingError } from "../../aws/errors";
import { readStackOutputs } from "../../aws/StackOutputs";
import { outputsOf, STACK_OUTPUTS } from "./fakes";

describe("readStackOutputs", () => {
  const cfn = new CloudFormationClient({ region: "ap-northeast-1" });
  const cfnMock = mockClient(cfn);
  beforeEach(() => cfnMock.reset());

  it("reads the outputs of a completed stack", async () => {
    cfnMock.on(DescribeStacksCommand, { StackName: "hybrid-session-store" }).resolves({
      Stacks: [
        {
          StackName: "hybrid-session-store",
          StackStatus: "UPDATE_COMPLETE",
          CreationTime: new Date(0),
          Outputs: outputsOf(STACK_OUTPUTS),
        },
      ],
    });

    const outputs = await readStackOutputs(cfn, "hybrid-session-store", "ap-northeast-1");

    expect(outputs).to.deep.equal({
      valkeyAddress: "clustercfg.hss.abc123.apne1.cache.amazonaws.com",
      valkeyPort: 6379,
      tableName: "session-store",
      instanceId: "i-0123456789abcdef0",
      resultsBucket: "hss-results-123456789012",
      region: "ap-northeast-1",
    });
  });

  it("says the stack does not exist, and how to make it", async () => {
    cfnMock.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: "ValidationError",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
        message: "Stack with id hybrid-session-store does not exist",
      }),
    );

    const error = await readStackOutputs(cfn, "hybrid-session-store", "ap-northeast-1").catch(
      (e: unknown) => e,
    );

    expect(error).to.be.instanceOf(StackNotFoundError);
    expect((error as Error).message).to.equal(
      "stack hybrid-session-store does not exist in ap-northeast-1; deploy it with ./deploy.sh",
    );
  });

  it("lets any other CloudFormation error through", async () => {
    const denied = new CloudFormationServiceException({
      name: "AccessDenied",
      $fault: "client",
      $metadata: { httpStatusCode: 403 },
      message: "not authorized to perform: cloudformation:DescribeStacks",
    });
    cfnMock.on(DescribeStacksCommand).rejects(denied);

    const error = await readStackOutputs(cfn, "hybrid-session-store", "ap-northeast-1").catch(
      (e: unknown) => e,
    );

    expect(error).to.equal(denied);
  });

  it("names every output the stack lacks", async () => {
    const { ResultsBucket: _bucket, InstanceId: _instance, ...rest } = STACK_OUTPUTS;
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: "s",
          StackStatus: "CREATE_COMPLETE",
          CreationTime: new Date(0),
          Outputs: outputsOf(rest),
        },
      ],
    });

    const error = await readStackOutputs(cfn, "s", "ap-northeast-1").catch((e: unknown) => e);

    expect(error).to.be.instanceOf(StackOutputMissingError);
    expect((error as StackOutputMissingError).outputKeys).to.deep.equal([
      "InstanceId",
      "ResultsBucket",
    ]);
  });

  it("refuses a port that is not a port", async () => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: "s",
          StackStatus: "CREATE_COMPLETE",
          CreationTime: new Date(0),
          Outputs: outputsOf({ ...STACK_OUTPUTS, ConfigurationEndpointPort: "" }),
        },
      ],
    });

    const error = await readStackOutputs(cfn, "s", "ap-northeast-1").catch((e: unknown) => e);

    expect((error as StackOutputMissingError).outputKeys).to.deep.equal([
      "ConfigurationEndpointPort",
    ]);
  });

  it("refuses a stack that is still changing or has failed", async () => {
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: "s",
          StackStatus: "UPDATE_IN_PROGRESS",
          CreationTime: new Date(0),
          Outputs: outputsOf(STACK_OUTPUTS),
        },
      ],
    });

    const error = await readStackOutputs(cfn, "s", "ap-northeast-1").catch((e: unknown) => e);

    expect(error).to.be.instanceOf(StackNotReadyError);
    expect((error as StackNotReadyError).status).to.equal("UPDATE_IN_PROGRESS");
  });
});
