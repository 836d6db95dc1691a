import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Output } from "@aws-sdk/client-cloudformation";
import type { GetObjectCommandOutput } from "@aws-sdk/client-s3";
import type { Clock } from "../../aws/RemoteCommand";

/** A clock whose `wait` only moves time forward, so poll loops finish at once. */
export interface FakeClock extends Clock {
  /** Every wait asked for, in milliseconds. */
  readonly waits: number[];
}

export function fakeClock(): FakeClock {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    wait: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
  };
}

export const STACK_OUTPUTS: Record<string, string> = {
  ConfigurationEndpointAddress: "clustercfg.hss.abc123.apne1.cache.amazonaws.com",
  ConfigurationEndpointPort: "6379",
  TableName: "session-store",
  InstanceId: "i-0123456789abcdef0",
  ResultsBucket: "hss-results-123456789012",
  Region: "ap-northeast-1",
  VpcId: "vpc-0123456789abcdef0",
};

export function outputsOf(values: Record<string, string>): Output[] {
  return Object.entries(values).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));
}

const temporaryDirs: string[] = [];

export function temporaryDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hss-aws-test-"));
  temporaryDirs.push(dir);
  return dir;
}

export function removeTemporaryDirs(): void {
  for (const dir of temporaryDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A .tar.gz made like the remote script makes it: the files of a directory, relative to it. */
export function tarball(files: Record<string, string>): Buffer {
  const dir = temporaryDir();
  const source = path.join(dir, "allure-results");
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(source, name)), { recursive: true });
    fs.writeFileSync(path.join(source, name), content);
  }
  const archive = path.join(dir, "allure-results.tar.gz");
  execFileSync("tar", ["-czf", archive, "-C", source, "."]);
  return fs.readFileSync(archive);
}

/** A GetObject body as the SDK returns it, reduced to the methods the code under test uses. */
export function objectBody(bytes: Uint8Array | string): GetObjectCommandOutput["Body"] {
  const data = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
  return {
    transformToByteArray: async () => data,
    transformToString: async () => Buffer.from(data).toString("utf8"),
  } as unknown as GetObjectCommandOutput["Body"];
}
