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

/** Throws SuiteNotUploadedError unless deploy.sh has put the suite where the instance will look. */
export async function checkSuiteUploaded(s3: S3Client, bucket: string, key: string): Promise<void> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if (isMissing(error)) throw new SuiteNotUploadedError(bucket, key);
    throw error;
  }
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
