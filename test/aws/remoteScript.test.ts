import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { expect } from "chai";
import {
  buildRemoteScript,
  makeRunId,
  type RemoteRunSpec,
  SUITE_EXIT_MARKER,
  shellQuote,
} from "../../aws/remoteScript";
import { removeTemporaryDirs, temporaryDir } from "./fakes";

const spec: RemoteRunSpec = {
  runId: "20250101T000000Z-abc123",
  bucket: "hss-results-123456789012",
  region: "ap-northeast-1",
  valkeyEndpoint: "clustercfg.hss.abc123.apne1.cache.amazonaws.com:6379",
  table: "session-store",
  toxiproxyUrl: "http://127.0.0.1:8474",
};

// Stand-ins for the instance's aws and npm: S3 is a directory, the suite writes one result file.
const FAKE_AWS = `#!/bin/sh
echo "$*" >>"$FAKE_S3/aws.log"
[ "$1 $2" = "s3 cp" ] || { echo "unexpected aws $*" >&2; exit 252; }
shift 2
while [ "\${1#--}" != "$1" ]; do
  case "$1" in --region) shift 2 ;; *) shift ;; esac
done
from=$1 to=$2
case "$from" in
  s3://*) cp "$FAKE_S3/\${from#s3://}" "$to" 2>/dev/null || { echo "download failed: $from (404)" >&2; exit 1; } ;;
  *) mkdir -p "$(dirname "$FAKE_S3/\${to#s3://}")" && cp "$from" "$FAKE_S3/\${to#s3://}" ;;
esac
`;
const FAKE_NPM = `#!/bin/sh
case "$1" in
  ci) [ -n "$HOME" ] || { echo "npm ERR! HOME is not set" >&2; exit 1; }
      [ -z "$FAKE_NPM_CI_FAILS" ] || { echo "npm ERR! code E404"; exit 1; }
      mkdir node_modules; echo "added 1 package" ;;
  *) echo "unexpected npm $*" >&2; exit 1 ;;
esac
`;
// The compiled suite's entry point as deploy.sh uploads it, run by the instance's real node.
const FAKE_SUITE_ENTRY = `const fs = require("node:fs");
fs.mkdirSync("allure-results", { recursive: true });
const e = process.env;
fs.writeFileSync("allure-results/env-result.json", JSON.stringify({
  valkey: e.HSS_VALKEY_ENDPOINT, region: e.HSS_DYNAMODB_REGION, table: e.HSS_TABLE, toxiproxy: e.TOXIPROXY_URL,
}));
const noise = Number(e.FAKE_SUITE_LOG_BYTES ?? "0");
if (noise > 0) process.stdout.write(\`\${"scenario output ".repeat(noise / 16)}\\n\`);
console.log(\`3 scenarios (\${e.FAKE_SUITE_EXIT ?? "0"} failed)\`);
process.exit(Number(e.FAKE_SUITE_EXIT ?? "0"));
`;

interface RemoteRun {
  status: number | null;
  stdout: string;
  stderr: string;
  s3: string;
  workRoot: string;
}

/** Runs the generated script with /bin/sh, as Run Command does, against the stand-ins. */
function runOnFakeInstance(
  env: Record<string, string>,
  options: { uploadSuite?: boolean; compiled?: boolean } = {},
): RemoteRun {
  const dir = temporaryDir();
  const bin = path.join(dir, "bin");
  const s3 = path.join(dir, "s3");
  const workRoot = path.join(dir, "runs");
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "aws"), FAKE_AWS, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "npm"), FAKE_NPM, { mode: 0o755 });
  if (options.uploadSuite !== false) {
    const suite = path.join(dir, "suite");
    fs.mkdirSync(suite);
    fs.writeFileSync(path.join(suite, "package.json"), "{}");
    if (options.compiled !== false) {
      fs.mkdirSync(path.join(suite, "build", "scripts"), { recursive: true });
      fs.writeFileSync(
        path.join(suite, "build", "scripts", "features-instance.js"),
        FAKE_SUITE_ENTRY,
      );
    }
    fs.mkdirSync(path.join(s3, spec.bucket, "suite"), { recursive: true });
    execFileSync("tar", [
      "-czf",
      path.join(s3, spec.bucket, "suite", "suite.tar.gz"),
      "-C",
      suite,
      ".",
    ]);
  }
  const script = buildRemoteScript({ ...spec, workRoot }).join("\n");
  // Run Command gives the script neither HOME nor the PATH of a login shell.
  const run = spawnSync("/bin/sh", ["-c", script], {
    encoding: "utf8",
    env: { PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`, FAKE_S3: s3, ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, s3, workRoot };
}

/** What the run uploaded as its exit code, or undefined when it uploaded none. */
function uploadedExit(run: RemoteRun): string | undefined {
  const file = path.join(run.s3, spec.bucket, "results", spec.runId, "exit-code");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

describe("the remote script", () => {
  after(removeTemporaryDirs);

  it("runs the suite with the stack's endpoints, uploads its results and exits with its code", () => {
    for (const suiteExit of [0, 1]) {
      const run = runOnFakeInstance({ FAKE_SUITE_EXIT: String(suiteExit) });

      expect(run.status, run.stderr).to.equal(suiteExit);
      expect(uploadedExit(run)).to.equal(`${suiteExit}\n`);
      expect(run.stdout).to.include(`${SUITE_EXIT_MARKER}${suiteExit}\n`);
      expect(run.stdout).to.include(`3 scenarios (${suiteExit} failed)`);
      const uploaded = path.join(
        run.s3,
        spec.bucket,
        "results",
        spec.runId,
        "allure-results.tar.gz",
      );
      const unpacked = temporaryDir();
      execFileSync("tar", ["-xzf", uploaded, "-C", unpacked]);
      expect(
        JSON.parse(fs.readFileSync(path.join(unpacked, "env-result.json"), "utf8")),
      ).to.deep.equal({
        valkey: "clustercfg.hss.abc123.apne1.cache.amazonaws.com:6379",
        region: "ap-northeast-1",
        table: "session-store",
        toxiproxy: "http://127.0.0.1:8474",
      });
      expect(
        fs.existsSync(path.join(run.s3, spec.bucket, "results", spec.runId, "suite.log")),
      ).to.equal(true);
      expect(fs.readdirSync(run.workRoot)).to.deep.equal([]);
    }
  });

  it("prints the exit code first and keeps stdout inside what SSM keeps, whatever the log's size", () => {
    const run = runOnFakeInstance({ FAKE_SUITE_EXIT: "1", FAKE_SUITE_LOG_BYTES: "200000" });
    expect(run.status).to.equal(1);
    expect(uploadedExit(run)).to.equal("1\n");
    // GetCommandInvocation keeps the first 24,000 characters of stdout.
    expect(run.stdout.length).to.be.below(24_000);
    expect(run.stdout.indexOf(`${SUITE_EXIT_MARKER}1`)).to.be.below(
      run.stdout.indexOf("scenario output"),
    );
    expect(run.stdout).to.include("3 scenarios (1 failed)");
  });

  it("uploads no exit code when the suite cannot be downloaded", () => {
    const run = runOnFakeInstance({}, { uploadSuite: false });
    expect(run.status).to.not.equal(0);
    expect(uploadedExit(run)).to.equal(undefined);
    expect(run.stderr).to.include("download failed");
  });

  it("uploads no exit code, and prints the tail of npm's log, when npm ci fails", () => {
    const run = runOnFakeInstance({ FAKE_NPM_CI_FAILS: "1" });
    expect(run.status).to.not.equal(0);
    expect(uploadedExit(run)).to.equal(undefined);
    expect(run.stderr).to.include("npm ERR! code E404");
  });

  it("uploads no exit code when the suite was uploaded without its compiled build/", () => {
    const run = runOnFakeInstance({}, { compiled: false });
    expect(run.status).to.not.equal(0);
    expect(uploadedExit(run)).to.equal(undefined);
    expect(run.stderr).to.include("the suite has no build/");
  });

  it("runs Node.js 22 under its Amazon Linux name when the plain node is another", () => {
    const lines = buildRemoteScript(spec).join("\n");
    expect(lines).to.include('ln -s "$(command -v node-22)" "$WORK/bin/node"');
    expect(lines).not.to.match(/node-20|npm-20/);
  });

  it("quotes every value it interpolates", () => {
    const lines = buildRemoteScript({ ...spec, table: "it's $(reboot)" });
    expect(lines.join("\n")).to.include(`HSS_TABLE='it'\\''s $(reboot)'`);
  });
});

describe("shellQuote", () => {
  it("keeps any value one word, unexpanded", () => {
    for (const value of ["plain", "it's", "$HOME `id` $(id)", "a b\tc", "'", ""]) {
      const echoed = execFileSync("/bin/sh", ["-c", `printf %s ${shellQuote(value)}`], {
        encoding: "utf8",
      });
      expect(echoed).to.equal(value);
    }
  });
});

describe("makeRunId", () => {
  it("is sortable by time and ends with the random part", () => {
    expect(makeRunId(new Date("2025-03-04T05:06:07.890Z"), "a1b2c3")).to.equal(
      "20250304T050607Z-a1b2c3",
    );
  });
});
