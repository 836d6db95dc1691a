import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { AwsEnvironment } from "./AwsEnvironment";
import type { Environment, EnvironmentDescription } from "./Environment";
import { LocalEnvironment } from "./LocalEnvironment";

/** Where `env:up` describes the running local environment, relative to the repository root. */
export const ENV_FILE = ".local-env.json";

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
