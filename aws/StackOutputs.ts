import {
  type CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import { StackNotFoundError, StackNotReadyError, StackOutputMissingError } from "./errors";

/** What a run needs from the stack deployed by deploy.sh. */
export interface StackOutputs {
  /** Cluster-mode configuration endpoint of the Valkey replication group. */
  valkeyAddress: string;
  valkeyPort: number;
  tableName: string;
  instanceId: string;
  resultsBucket: string;
  /** Region of the stack's resources (the DynamoDB table among them). */
  region: string;
}

/** The stack outputs features:aws reads; the template must declare each (test/infra checks it). */
export const REQUIRED_OUTPUTS = [
  "ConfigurationEndpointAddress",
  "ConfigurationEndpointPort",
  "TableName",
  "InstanceId",
  "ResultsBucket",
  "Region",
] as const;

/** Statuses in which the stack is whole and nothing is changing it. */
const READY = new Set([
  "CREATE_COMPLETE",
  "UPDATE_COMPLETE",
  "UPDATE_ROLLBACK_COMPLETE",
  "IMPORT_COMPLETE",
  "IMPORT_ROLLBACK_COMPLETE",
]);

async function describeStack(
  cfn: CloudFormationClient,
  stackName: string,
  region: string,
): Promise<Stack> {
  try {
    const response = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = response.Stacks?.[0];
    if (!stack) throw new StackNotFoundError(stackName, region);
    return stack;
  } catch (error) {
    // CloudFormation has no error class for a missing stack: a ValidationError says "does not exist".
    if (
      error instanceof CloudFormationServiceException &&
      error.name === "ValidationError" &&
      /does not exist/.test(error.message)
    ) {
      throw new StackNotFoundError(stackName, region, { cause: error });
    }
    throw error;
  }
}

/** Reads the outputs of a stack that is ready to be used, or throws an AwsSetupError saying why not. */
export async function readStackOutputs(
  cfn: CloudFormationClient,
  stackName: string,
  region: string,
): Promise<StackOutputs> {
  const described = await describeStack(cfn, stackName, region);
  const status = described.StackStatus ?? "UNKNOWN";
  if (!READY.has(status)) throw new StackNotReadyError(stackName, status);

  const values = new Map<string, string>();
  for (const output of described.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue) values.set(output.OutputKey, output.OutputValue);
  }
  const missing = REQUIRED_OUTPUTS.filter((key) => !values.has(key));
  const port = Number(values.get("ConfigurationEndpointPort"));
  if (!missing.includes("ConfigurationEndpointPort") && !(Number.isInteger(port) && port > 0)) {
    missing.push("ConfigurationEndpointPort");
  }
  if (missing.length > 0) throw new StackOutputMissingError(stackName, missing);
  const value = (key: (typeof REQUIRED_OUTPUTS)[number]): string => values.get(key) ?? "";
  return {
    valkeyAddress: value("ConfigurationEndpointAddress"),
    valkeyPort: port,
    tableName: value("TableName"),
    instanceId: value("InstanceId"),
    resultsBucket: value("ResultsBucket"),
    region: value("Region"),
  };
}
