import { beforeEach, describe, it } from "node:test";
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  InvalidInstanceId,
  InvocationDoesNotExist,
  SendCommandCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { InstanceNotManagedError, RemoteCommandTimeoutError } from "../../aws/errors";
import { runRemoteCommand } from "../../aws/RemoteCommand";
import { fakeClock } from "./fakes";

const INSTANCE = "i-0123456789abcdef0";
const request = {
  instanceId: INSTANCE,
  commands: ["echo hello"],
  executionTimeoutSeconds: 1800,
  comment: "hybrid-session-store features run-1",
};
const notYet = () => new InvocationDoesNotExist({ message: "", $metadata: {} });

describe("runRemoteCommand", () => {
  const ssm = new SSMClient({ region: "ap-northeast-1" });
  const ssmMock = mockClient(ssm);
  beforeEach(() => {
    ssmMock.reset();
    ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-1" } });
  });

  it("sends AWS-RunShellScript and polls through a missing invocation to Success", async () => {
    ssmMock
      .on(GetCommandInvocationCommand)
      .rejectsOnce(notYet())
      .resolvesOnce({ Status: "Pending" })
      .resolvesOnce({ Status: "InProgress" })
      .resolves({
        Status: "Success",
        StatusDetails: "Success",
        ResponseCode: 0,
        StandardOutputContent: "HSS_SUITE_EXIT=0\n",
      });
    const clock = fakeClock();

    const result = await runRemoteCommand(ssm, request, clock, { intervalMs: 5000 });

    expect(result).to.deep.equal({
      commandId: "cmd-1",
      status: "Success",
      statusDetails: "Success",
      responseCode: 0,
      stdout: "HSS_SUITE_EXIT=0\n",
      stderr: "",
    });
    expect(clock.waits).to.deep.equal([5000, 5000, 5000, 5000]);
    const sent = ssmMock.commandCalls(SendCommandCommand)[0]?.args[0].input;
    expect(sent).to.deep.include({
      DocumentName: "AWS-RunShellScript",
      InstanceIds: [INSTANCE],
      Comment: "hybrid-session-store features run-1",
      TimeoutSeconds: 600,
    });
    expect(sent?.Parameters).to.deep.equal({
      commands: ["echo hello"],
      executionTimeout: ["1800"],
    });
    const polled = ssmMock.commandCalls(GetCommandInvocationCommand)[0]?.args[0].input;
    expect(polled).to.deep.equal({ CommandId: "cmd-1", InstanceId: INSTANCE });
  });

  it("returns a Failed invocation with the script's exit code", async () => {
    ssmMock.on(GetCommandInvocationCommand).resolves({
      Status: "Failed",
      StatusDetails: "Failed",
      ResponseCode: 1,
      StandardOutputContent: "HSS_SUITE_EXIT=1\n",
      StandardErrorContent: "1 scenario failed",
    });

    const result = await runRemoteCommand(ssm, request, fakeClock(), { intervalMs: 1000 });

    expect(result.status).to.equal("Failed");
    expect(result.responseCode).to.equal(1);
    expect(result.stderr).to.equal("1 scenario failed");
  });

  it("returns TimedOut and Cancelled as terminal statuses", async () => {
    for (const [status, details] of [
      ["TimedOut", "ExecutionTimedOut"],
      ["Cancelled", "Cancelled"],
    ] as const) {
      ssmMock
        .on(GetCommandInvocationCommand)
        .resolves({ Status: status, StatusDetails: details, ResponseCode: -1 });
      const result = await runRemoteCommand(ssm, request, fakeClock(), { intervalMs: 1000 });
      expect([result.status, result.statusDetails, result.responseCode]).to.deep.equal([
        status,
        details,
        -1,
      ]);
    }
  });

  it("cancels the command and says so when the deadline passes first", async () => {
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: "InProgress" });
    ssmMock.on(CancelCommandCommand).resolves({});
    const clock = fakeClock();

    const error = await runRemoteCommand(ssm, request, clock, {
      intervalMs: 10_000,
      timeoutMs: 60_000,
    }).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(RemoteCommandTimeoutError);
    expect((error as Error).message).to.equal(
      "command cmd-1 was still InProgress after 60 s; it was cancelled",
    );
    expect(clock.now()).to.equal(60_000);
    expect(ssmMock.commandCalls(CancelCommandCommand)[0]?.args[0].input).to.deep.equal({
      CommandId: "cmd-1",
      InstanceIds: [INSTANCE],
    });
  });

  it("reaches the deadline even when the invocation never appears", async () => {
    ssmMock.on(GetCommandInvocationCommand).rejects(notYet());

    const error = await runRemoteCommand(ssm, request, fakeClock(), {
      intervalMs: 1000,
      timeoutMs: 3000,
    }).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(RemoteCommandTimeoutError);
    expect((error as RemoteCommandTimeoutError).lastStatus).to.equal("Pending");
  });

  it("waits for a just-started instance to register with Systems Manager", async () => {
    ssmMock
      .on(SendCommandCommand)
      .rejectsOnce(new InvalidInstanceId({ message: "", $metadata: {} }))
      .resolves({ Command: { CommandId: "cmd-2" } });
    ssmMock.on(GetCommandInvocationCommand).resolves({ Status: "Success", ResponseCode: 0 });

    const result = await runRemoteCommand(ssm, request, fakeClock(), { intervalMs: 1000 });

    expect(result.commandId).to.equal("cmd-2");
    expect(ssmMock.commandCalls(SendCommandCommand)).to.have.length(2);
  });

  it("gives up on an instance that never registers", async () => {
    ssmMock.on(SendCommandCommand).rejects(new InvalidInstanceId({ message: "", $metadata: {} }));

    const error = await runRemoteCommand(ssm, request, fakeClock(), {
      intervalMs: 10_000,
      registrationTimeoutMs: 30_000,
    }).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(InstanceNotManagedError);
    expect((error as Error).message).to.match(
      /^instance i-0123456789abcdef0 did not register with Systems Manager within 30 s/,
    );
  });

  it("lets other errors through at once", async () => {
    const denied = new Error("AccessDeniedException");
    ssmMock.on(GetCommandInvocationCommand).rejects(denied);

    const error = await runRemoteCommand(ssm, request, fakeClock(), { intervalMs: 1000 }).catch(
      (e: unknown) => e,
    );

    expect(error).to.equal(denied);
  });
});
