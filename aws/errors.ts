/**
 * Every error `npm run features:aws` raises on purpose is an AwsRunError with a stable `code` and a
 * message that is one sentence a person can act on; callers decide on classes, never on message text.
 */
export abstract class AwsRunError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The run cannot start: the stack, its outputs or the uploaded suite are not what it needs. */
export abstract class AwsSetupError extends AwsRunError {}

export class StackNotFoundError extends AwsSetupError {
  readonly code = "STACK_NOT_FOUND";
  constructor(
    readonly stackName: string,
    readonly region: string,
    options?: { cause?: unknown },
  ) {
    super(`stack ${stackName} does not exist in ${region}; deploy it with ./deploy.sh`, options);
  }
}

export class StackNotReadyError extends AwsSetupError {
  readonly code = "STACK_NOT_READY";
  constructor(
    readonly stackName: string,
    readonly status: string,
  ) {
    super(
      `stack ${stackName} is ${status}, not a completed state; run ./deploy.sh and wait for it`,
    );
  }
}

export class StackOutputMissingError extends AwsSetupError {
  readonly code = "STACK_OUTPUT_MISSING";
  constructor(
    readonly stackName: string,
    readonly outputKeys: readonly string[],
  ) {
    super(
      `stack ${stackName} has no output ${outputKeys.join(", ")}; is it deployed from infra/elasticache-valkey-stack.yaml?`,
    );
  }
}

export class SuiteNotUploadedError extends AwsSetupError {
  readonly code = "SUITE_NOT_UPLOADED";
  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {
    super(`s3://${bucket}/${key} does not exist; ./deploy.sh uploads the suite there`);
  }
}

/** The uploaded suite is not this checkout's revision: the instance would run other code. */
export class SuiteRevisionMismatchError extends AwsSetupError {
  readonly code = "SUITE_REVISION_MISMATCH";
  constructor(
    readonly uploaded: string | undefined,
    readonly local: string,
  ) {
    super(
      uploaded === undefined
        ? `the uploaded suite does not say which revision it is, and this checkout is ${local}; run ./deploy.sh to upload this one`
        : `the uploaded suite is ${uploaded}, but this checkout is ${local}; run ./deploy.sh to upload this one (or check out ${uploaded})`,
    );
  }
}

/** The remote command did not run the suite to its end, so there is no suite exit code. */
export abstract class RemoteRunError extends AwsRunError {}

export class InstanceNotManagedError extends RemoteRunError {
  readonly code = "INSTANCE_NOT_MANAGED";
  constructor(
    readonly instanceId: string,
    waitedMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `instance ${instanceId} did not register with Systems Manager within ${Math.round(waitedMs / 1000)} s; ` +
        "check that it runs, that its role has AmazonSSMManagedInstanceCore and that it can reach the SSM endpoints",
      options,
    );
  }
}

export class RemoteCommandTimeoutError extends RemoteRunError {
  readonly code = "REMOTE_COMMAND_TIMEOUT";
  constructor(
    readonly commandId: string,
    readonly lastStatus: string,
    waitedMs: number,
  ) {
    super(
      `command ${commandId} was still ${lastStatus} after ${Math.round(waitedMs / 1000)} s; it was cancelled`,
    );
  }
}

/** The command finished without uploading the suite's exit code: it failed before or after the suite. */
export class RemoteCommandNotRunError extends RemoteRunError {
  readonly code = "REMOTE_COMMAND_NOT_RUN";
  constructor(
    readonly commandId: string,
    readonly status: string,
    readonly statusDetails: string,
    explanation: string,
  ) {
    super(
      `command ${commandId} ended ${status} (${statusDetails}) without running the suite to its end: ${explanation}`,
    );
  }
}

export class ResultsMissingError extends RemoteRunError {
  readonly code = "RESULTS_MISSING";
  constructor(
    readonly bucket: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`the run's results are not at s3://${bucket}/${key}`, options);
  }
}

export const isAwsRunError = (e: unknown): e is AwsRunError => e instanceof AwsRunError;
export const isAwsSetupError = (e: unknown): e is AwsSetupError => e instanceof AwsSetupError;
export const isRemoteRunError = (e: unknown): e is RemoteRunError => e instanceof RemoteRunError;
