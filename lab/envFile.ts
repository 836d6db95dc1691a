import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { AwsEnvironment } from "./AwsEnvironment";
import type { Environment, EnvironmentDescription } from "./Environment";
import envFiles from "./envFiles.json";
import { LocalEnvironment } from "./LocalEnvironment";

/**
 * Where `env:up` describes the running local environment, relative to the repository root
 * (lab/envFiles.json, which cucumber.js and the service read too).
 */
export const ENV_FILE = envFiles.local;
/** Where `features:instance` describes the AWS stack it attached to, on the instance. */
export const AWS_ENV_FILE = envFiles.aws;

export function readEnvFile(path: string): EnvironmentDescription | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, "utf8")) as EnvironmentDescription;
}

export function writeEnvFile(path: string, description: EnvironmentDescription): void {
  writeFileSync(path, `${JSON.stringify(description, null, 2)}\n`);
}

export function removeEnvFile(path: string): void {
  rmSync(path, { force: true });
}

/** The environment a description names, attached (nothing is started). */
export function attachEnvironment(description: EnvironmentDescription): Environment {
  switch (description.kind) {
    case "local":
      return LocalEnvironment.attach(description);
    case "aws":
      return AwsEnvironment.fromDescription(description);
    default:
      throw new Error(`unknown environment kind "${description.kind}"`);
  }
}
