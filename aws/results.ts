import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  type S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { ResultsMissingError, SuiteNotUploadedError } from "./errors";

const execFileAsync = promisify(execFile);

// HEAD answers have no body, so a missing key is known only by its status.
const isMissing = (error: unknown): boolean =>
  error instanceof NoSuchKey ||
  error instanceof NotFound ||
  (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404);

/**
 * The revision deploy.sh recorded on the suite it uploaded (its `revision` metadata: a commit, or
 * "uncommitted"), undefined when the upload does not say. Throws SuiteNotUploadedError unless the
 * suite is where the instance will look.
 */
export async function uploadedRevision(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<string | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.Metadata?.revision || undefined;
  } catch (error) {
    if (isMissing(error)) throw new SuiteNotUploadedError(bucket, key);
    throw error;
  }
}

/**
 * The suite's exit code as the remote script uploaded it once the suite ended, or undefined when
 * there is none: the script stopped before the suite ended, or before it could upload.
 */
export async function readSuiteExit(
  s3: S3Client,
  location: { bucket: string; key: string },
): Promise<number | undefined> {
  let text: string;
  try {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
    );
    text = (await object.Body?.transformToString()) ?? "";
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  const code = /^(\d{1,3})\s*$/.exec(text)?.[1];
  return code === undefined ? undefined : Number(code);
}

/**
 * Downloads a run's allure-results tarball and unpacks it into `destDir`, replacing what was there:
 * allure-results is generated output, and mixing runs would report scenarios that did not run.
 */
export async function downloadResults(
  s3: S3Client,
  location: { bucket: string; key: string },
  destDir: string,
): Promise<void> {
  let bytes: Uint8Array;
  try {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
    );
    if (!object.Body) throw new ResultsMissingError(location.bucket, location.key);
    bytes = await object.Body.transformToByteArray();
  } catch (error) {
    if (isMissing(error)) {
      throw new ResultsMissingError(location.bucket, location.key, { cause: error });
    }
    throw error;
  }
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hss-results-"));
  try {
    const archive = path.join(scratch, "allure-results.tar.gz");
    await fs.writeFile(archive, bytes);
    await fs.rm(destDir, { recursive: true, force: true });
    await fs.mkdir(destDir, { recursive: true });
    await execFileAsync("tar", ["-xzf", archive, "-C", destDir]);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
