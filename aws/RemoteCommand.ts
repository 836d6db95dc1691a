import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  InvalidInstanceId,
  InvocationDoesNotExist,
  SendCommandCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { InstanceNotManagedError, RemoteCommandTimeoutError } from "./errors";

/** How a poll loop tells time and waits; tests pass a fake clock so nothing really waits. */
export interface Clock {
  /** Milliseconds since an arbitrary origin. */
  now(): number;
  wait(ms: number): Promise<void>;
}

export interface RemoteCommandRequest {
  instanceId: string;
  /** Lines of the AWS-RunShellScript `commands` parameter. */
  commands: string[];
  /** Longest the script may run on the instance, in seconds. Default: 3600 (the document's own). */
  executionTimeoutSeconds?: number;
  /** Shown in the Run Command console; at most 100 characters. */
  comment?: string;
}

export interface PollOptions {
  /** Time between two GetCommandInvocation calls, in milliseconds. Default: 10000. */
  intervalMs?: number;
  /** Longest wait for a terminal status after sending, in milliseconds. Default: execution timeout + 10 min. */
  timeoutMs?: number;
  /** Longest wait for a just-started instance to register with SSM, in milliseconds. Default: 300000. */
  registrationTimeoutMs?: number;
}

export type TerminalStatus = "Success" | "Failed" | "Cancelled" | "TimedOut";

export interface RemoteCommandResult {
  commandId: string;
  status: TerminalStatus;
  /** e.g. "Success", "Failed", "ExecutionTimedOut", "DeliveryTimedOut", "Undeliverable". */
  statusDetails: string;
  /** The script's exit code; -1 when it never started. */
  responseCode: number;
  /** First 24,000 characters of stdout (GetCommandInvocation's limit). */
  stdout: string;
  /** First 8,000 characters of stderr. */
  stderr: string;
}

const TERMINAL: ReadonlySet<string> = new Set<TerminalStatus>([
  "Success",
  "Failed",
  "Cancelled",
  "TimedOut",
]);

/** Sends the script with AWS-RunShellScript and polls until it ends, or cancels it at the deadline. */
export async function runRemoteCommand(
  ssm: SSMClient,
  request: RemoteCommandRequest,
  clock: Clock,
  options: PollOptions = {},
): Promise<RemoteCommandResult> {
  const executionTimeoutSeconds = request.executionTimeoutSeconds ?? 3600;
  const intervalMs = options.intervalMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? (executionTimeoutSeconds + 600) * 1000;

  const commandId = await send(ssm, request, executionTimeoutSeconds, clock, {
    intervalMs,
    registrationTimeoutMs: options.registrationTimeoutMs ?? 300_000,
  });
  const started = clock.now();
  let lastStatus = "Pending";
  for (;;) {
    await clock.wait(intervalMs);
    let invocation: GetCommandInvocationCommandOutput | undefined;
    try {
      invocation = await ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: request.instanceId }),
      );
    } catch (error) {
      // Right after SendCommand the invocation may not exist yet.
      if (!(error instanceof InvocationDoesNotExist)) throw error;
    }
    if (invocation?.Status && TERMINAL.has(invocation.Status)) {
      return {
        commandId,
        status: invocation.Status as TerminalStatus,
        statusDetails: invocation.StatusDetails ?? invocation.Status,
        responseCode: invocation.ResponseCode ?? -1,
        stdout: invocation.StandardOutputContent ?? "",
        stderr: invocation.StandardErrorContent ?? "",
      };
    }
    lastStatus = invocation?.Status ?? lastStatus;
    const waited = clock.now() - started;
    if (waited >= timeoutMs) {
      try {
        await ssm.send(
          new CancelCommandCommand({ CommandId: commandId, InstanceIds: [request.instanceId] }),
        );
      } catch {
        // The timeout is the error worth reporting.
      }
      throw new RemoteCommandTimeoutError(commandId, lastStatus, waited);
    }
  }
}

/** SendCommand, retried while the instance is not yet registered with Systems Manager. */
async function send(
  ssm: SSMClient,
  request: RemoteCommandRequest,
  executionTimeoutSeconds: number,
  clock: Clock,
  options: { intervalMs: number; registrationTimeoutMs: number },
): Promise<string> {
  const started = clock.now();
  for (;;) {
    try {
      const sent = await ssm.send(
        new SendCommandCommand({
          DocumentName: "AWS-RunShellScript",
          InstanceIds: [request.instanceId],
          Parameters: {
            commands: request.commands,
            executionTimeout: [String(executionTimeoutSeconds)],
          },
          // How long the command may wait for the agent to pick it up, in seconds.
          TimeoutSeconds: 600,
          ...(request.comment ? { Comment: request.comment.slice(0, 100) } : {}),
        }),
      );
      const commandId = sent.Command?.CommandId;
      if (!commandId) throw new Error("SendCommand answered without a command id");
      return commandId;
    } catch (error) {
      if (!(error instanceof InvalidInstanceId)) throw error;
      const waited = clock.now() - started;
      if (waited >= options.registrationTimeoutMs) {
        throw new InstanceNotManagedError(request.instanceId, waited, { cause: error });
      }
      await clock.wait(options.intervalMs);
    }
  }
}
