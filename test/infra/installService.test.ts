/**
 * infra/install-session-service.sh, run as on the instance but against the local environment: the
 * unit and the environment file are the ones the template writes (paths moved under a temporary
 * directory, stores pointed at this machine), systemctl, journalctl and cloud-init are stand-ins
 * (systemctl runs the unit's ExecStart as systemd would), and the archive is this checkout. So the real `npm ci`, the
 * real service and the real doctor run; only the init system is played.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { LOCAL_CREDENTIALS } from "../../lab/DynamoDbLocal";
import { REPO_ROOT } from "../aws/harness";
import { closedPort, type LocalEnv, localEnv } from "../service/localEnv";
import { filesWrittenByUserData } from "./templateFixture";

const INSTALLER = path.join(REPO_ROOT, "infra", "install-session-service.sh");
const FAKE_SYSTEMD_BIN = path.join(__dirname, "fake-systemd");
const UNIT = "session-service.service";
const TEMPLATE_UNIT_PATH = `/etc/systemd/system/${UNIT}`;
const TEMPLATE_ENV_PATH = "/etc/session-service.env";
const TEMPLATE_SERVICE_ROOT = "/opt/session-service";

interface Instance {
  /** Stands for /opt/session-service. */
  serviceRoot: string;
  envFile: string;
  systemdDir: string;
  port: number;
}

const digestOf = (file: string) =>
  createHash("sha256").update(fs.readFileSync(file)).digest("hex").slice(0, 12);

/**
 * The checkout as deploy.sh would pack it: tracked and unignored files, compiled into build/ by
 * `npm run build:service`, no node_modules. `build: false` leaves the compiled service out.
 */
function packCheckout(
  archive: string,
  change?: (dir: string) => void,
  { build = true }: { build?: boolean } = {},
): void {
  const listed = spawnSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    {
      cwd: REPO_ROOT,
      encoding: "utf8",
    },
  ).stdout;
  const files = listed
    .split("\0")
    .filter((file) => file !== "" && fs.existsSync(path.join(REPO_ROOT, file)));
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "hss-suite-"));
  try {
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      fs.copyFileSync(path.join(REPO_ROOT, file), path.join(copy, file));
    }
    change?.(copy);
    if (build) {
      fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(copy, "node_modules"));
      const built = spawnSync("npm", ["run", "--silent", "build:service"], {
        cwd: copy,
        encoding: "utf8",
      });
      if (built.status !== 0) throw new Error(`build:service failed: ${built.stderr}`);
      fs.rmSync(path.join(copy, "node_modules"));
    }
    const tar = spawnSync("tar", ["-czf", archive, "-C", copy, "."], { encoding: "utf8" });
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

describe("install-session-service.sh", () => {
  let env: LocalEnv;
  let work: string;
  let archive: string;
  let instance: Instance;
  /** Every instance made, so that `after` stops each one's service. */
  const instances: { target: Instance; withUnit: boolean }[] = [];

  /** A machine with the template's unit and environment file, nothing installed yet. */
  async function newInstance(withUnit = true): Promise<Instance> {
    const root = fs.mkdtempSync(path.join(work, "instance-"));
    const serviceRoot = path.join(root, "opt", "session-service");
    const envFile = path.join(root, "session-service.env");
    const systemdDir = path.join(root, "systemd");
    fs.mkdirSync(path.join(systemdDir, "units"), { recursive: true });
    const written = filesWrittenByUserData();
    const unit = (written[TEMPLATE_UNIT_PATH] ?? "")
      .replaceAll(TEMPLATE_SERVICE_ROOT, serviceRoot)
      .replaceAll(TEMPLATE_ENV_PATH, envFile);
    if (withUnit) fs.writeFileSync(path.join(systemdDir, "units", UNIT), unit);
    const port = await closedPort();
    const { valkey, dynamodb, toxiproxy } = env.description;
    const local: Record<string, string> = {
      HSS_VALKEY_ENDPOINT: `${valkey.nodes[0]?.host}:${valkey.nodes[0]?.port}`,
      HSS_TABLE: dynamodb.table,
      HSS_DYNAMODB_REGION: dynamodb.region,
      TOXIPROXY_URL: toxiproxy?.url ?? "",
      PORT: String(port),
    };
    // The template's file with this machine's stores, plus what DynamoDB Local needs.
    const lines = (written[TEMPLATE_ENV_PATH] ?? "").trimEnd().split("\n");
    const envText = lines.map((line) => {
      const name = line.slice(0, line.indexOf("="));
      return name in local ? `${name}=${local[name]}` : line;
    });
    envText.push(
      `HSS_DYNAMODB_ENDPOINT=${dynamodb.endpoint}`,
      `AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId}`,
      `AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`,
    );
    fs.writeFileSync(envFile, `${envText.join("\n")}\n`);
    const target = { serviceRoot, envFile, systemdDir, port };
    instances.push({ target, withUnit });
    return target;
  }

  function install(
    target: Instance,
    args: string[],
    extraEnv: Record<string, string> = {},
  ): SpawnSyncReturns<string> {
    return spawnSync("bash", [INSTALLER, ...args], {
      encoding: "utf8",
      timeout: 300_000,
      env: {
        ...process.env,
        PATH: `${FAKE_SYSTEMD_BIN}${path.delimiter}${process.env.PATH ?? ""}`,
        FAKE_SYSTEMD_DIR: target.systemdDir,
        SERVICE_ROOT: target.serviceRoot,
        SERVICE_ENV_FILE: target.envFile,
        // The tarballs are in npm's cache since this checkout's own `npm ci`.
        npm_config_prefer_offline: "true",
        ...extraEnv,
      },
    });
  }

  const systemctl = (target: Instance, ...args: string[]) =>
    spawnSync(path.join(FAKE_SYSTEMD_BIN, "systemctl"), args, {
      encoding: "utf8",
      env: { ...process.env, FAKE_SYSTEMD_DIR: target.systemdDir },
    });
  const pidOf = (target: Instance) =>
    Number(fs.readFileSync(path.join(target.systemdDir, `${UNIT}.pid`), "utf8"));
  const current = (target: Instance) => fs.readlinkSync(path.join(target.serviceRoot, "current"));
  const health = async (target: Instance) => {
    const response = await fetch(`http://127.0.0.1:${target.port}/health`);
    return { status: response.status, body: (await response.json()) as { status: string } };
  };

  before(async () => {
    env = await localEnv();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "hss-install-"));
    archive = path.join(work, "suite.tar.gz");
    packCheckout(archive);
    instance = await newInstance();
  });

  after(async () => {
    for (const { target, withUnit } of instances) if (withUnit) systemctl(target, "stop", UNIT);
    fs.rmSync(work, { recursive: true, force: true });
    await env.release();
  });

  it("installs the suite as a release, starts the template's unit on it and runs the doctor", async () => {
    const run = install(instance, [archive]);
    expect(run.stderr, run.stdout).to.equal("");
    expect(run.status).to.equal(0);
    const revision = digestOf(archive);
    expect(run.stdout).to.contain(`Installing release ${revision}`);
    expect(run.stdout).to.match(
      new RegExp(
        `runs release ${revision}: http://127\\.0\\.0\\.1:${instance.port}/health answered 200 \\{"status":"ok"`,
      ),
    );
    expect(run.stdout).to.match(/doctor: \d+ ok or skipped, 0 failed/);
    expect(current(instance)).to.equal(`releases/${revision}`);
    // Only what the service runs on: no test runner, no report generator.
    const modules = path.join(instance.serviceRoot, "current", "node_modules");
    expect(fs.existsSync(path.join(modules, "fastify"))).to.equal(true);
    expect(fs.existsSync(path.join(modules, "@cucumber"))).to.equal(false);
    expect(await health(instance)).to.deep.include({ status: 200 });
    // node on the compiled service, not ts-node on its sources.
    const command = fs
      .readFileSync(`/proc/${pidOf(instance)}/cmdline`, "utf8")
      .split("\0")
      .filter((arg) => arg !== "");
    expect(command.slice(-1)).to.deep.equal(["build/scripts/serve.js"]);
    expect(command.join(" ")).not.to.contain("ts-node");
  });

  it("reinstalls the same archive without npm ci and restarts the service", async () => {
    const before = pidOf(instance);
    const run = install(instance, [archive]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.contain(`Release ${digestOf(archive)} is already installed.`);
    expect(run.stdout).not.to.contain("Installing release");
    expect(pidOf(instance)).not.to.equal(before);
    expect(systemctl(instance, "is-active", UNIT).stdout.trim()).to.equal("active");
    expect((await health(instance)).body.status).to.equal("ok");
  });

  it("rolls back to the running release when the new one never answers", async () => {
    const broken = path.join(work, "broken.tar.gz");
    packCheckout(broken, (dir) =>
      fs.writeFileSync(
        path.join(dir, "scripts", "serve.ts"),
        'console.error("serve: this release cannot start");\nprocess.exit(1);\n',
      ),
    );
    const good = current(instance);
    const run = install(instance, [broken], { HEALTH_TIMEOUT_SECONDS: "3" });
    expect(run.status).to.equal(1);
    expect(run.stderr).to.contain("serve: this release cannot start");
    expect(run.stderr).to.contain(
      `/health answered nothing within 3s (the service's log is above); rolled back to ${good}, which answers 200.`,
    );
    expect(current(instance)).to.equal(good);
    expect((await health(instance)).body.status).to.equal("ok");
    // The good release is kept; the broken one too, for a look.
    expect(fs.readdirSync(path.join(instance.serviceRoot, "releases")).sort()).to.deep.equal(
      [digestOf(archive), digestOf(broken)].sort(),
    );
  });

  it("waits for the first boot: refuses when it failed, goes on when it only warned", async () => {
    const failedBoot = await newInstance();
    const bootLog = path.join(work, "cloud-init-output.log");
    const lines = Array.from({ length: 40 }, (_, i) => `boot line ${i + 1}`);
    fs.writeFileSync(
      bootLog,
      `${lines.join("\n")}\nsha256sum: WARNING: 1 computed checksum did NOT match\n`,
    );
    const refused = install(failedBoot, [archive], {
      FAKE_CLOUD_INIT_EXIT: "1",
      FIRST_BOOT_LOG: bootLog,
    });
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.contain(
      `the instance's first boot (UserData) failed; its log ends above (${bootLog})`,
    );
    // The last 30 lines, so the cause is in deploy.sh's output rather than on the instance.
    expect(refused.stderr).to.contain("computed checksum did NOT match");
    expect(refused.stderr).to.contain("boot line 12\n");
    expect(refused.stderr).not.to.contain("boot line 11\n");
    expect(fs.existsSync(failedBoot.serviceRoot)).to.equal(false);

    const warned = install(instance, [archive], { FAKE_CLOUD_INIT_EXIT: "2" });
    expect(warned.status, warned.stderr).to.equal(0);
    expect(warned.stdout).to.contain("already installed");
  });

  it("refuses an instance without the unit and installs nothing", async () => {
    const bare = await newInstance(false);
    const run = install(bare, [archive]);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.contain(`${UNIT} is not defined on this instance`);
    expect(run.stderr).to.contain("./teardown.sh && ./deploy.sh");
    expect(fs.existsSync(bare.serviceRoot)).to.equal(false);
  });

  it("refuses an archive that holds no compiled service, and keeps the running release", async () => {
    const uncompiled = path.join(work, "uncompiled.tar.gz");
    packCheckout(uncompiled, undefined, { build: false });
    const good = current(instance);
    const run = install(instance, [uncompiled]);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.contain("the archive has no build/scripts/serve.js");
    expect(current(instance)).to.equal(good);
  });

  it("says how it is used when the archive is missing", () => {
    for (const args of [[], [path.join(work, "absent.tar.gz")]]) {
      const run = install(instance, args);
      expect(run.status).to.equal(1);
      expect(run.stderr).to.contain("usage: install-session-service.sh SUITE_ARCHIVE");
    }
  });
});
