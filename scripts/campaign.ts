/**
 * npm run campaign -- --seed N --minutes M --servers K [--seconds S] [--users U] [--classes a,b]:
 * a seeded campaign of many users on K app servers under a seeded schedule of overlapping faults,
 * against the local environment (attached to, or started and stopped). The same seed gives the same
 * operations and the same fault schedule. Writes its Allure result to allure-results/, prints one
 * progress line while it runs and, last, `campaign: seed N, K servers, N operations, N faults
 * (N classes), N anomalies`. Exits 1 on any anomaly.
 */
import "./entry";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeCampaignReport } from "../campaign/report";
import { runCampaign } from "../campaign/runCampaign";
import { runMain } from "../common/runMain";
import { writeEnvFile } from "../lab/envFile";
import { FAULT_CLASSES, type FaultClass } from "../lab/faultClasses";
import { localPaths } from "../lab/localEnvFile";
import { localEnvironment, withEnvironment } from "../lab/withEnvironment";

const root = resolve(__dirname, "..");
const log = (line: string) => console.error(`campaign: ${line}`);

function whole(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: "string" },
      minutes: { type: "string" },
      seconds: { type: "string" },
      servers: { type: "string" },
      users: { type: "string" },
      classes: { type: "string" },
    },
  });
  const seed = whole("seed", values.seed, Math.floor(Math.random() * 1_000_000), 0, 2 ** 31 - 1);
  const seconds =
    values.seconds !== undefined
      ? whole("seconds", values.seconds, 0, 10, 3600)
      : 60 * whole("minutes", values.minutes, 2, 1, 60);
  const servers = whole("servers", values.servers, 3, 1, 9);
  const users = whole("users", values.users, 10 * servers, 1, 500);
  const classes = values.classes?.split(",").map((c) => c.trim()) as FaultClass[] | undefined;
  const unknown = classes?.filter((c) => !FAULT_CLASSES.includes(c));
  if (unknown?.length)
    throw new Error(`no fault class ${unknown.join(", ")}; classes: ${FAULT_CLASSES.join(", ")}`);
  log(`seed ${seed}, ${servers} servers, ${users} users, ${seconds} s`);
  const interactive = process.stderr.isTTY;
  let lastProgress = 0;
  return withEnvironment(
    localEnvironment(root, log, { toxiproxyUrl: process.env.TOXIPROXY_URL }),
    async ({ env }) => {
      const run = await runCampaign(env, {
        seed,
        durationMs: seconds * 1000,
        servers,
        users,
        classes,
        log,
        progress: (line) => {
          // One line rewritten in a terminal; a line every ten seconds in a log.
          if (interactive) process.stderr.write(`\r${line}`);
          else if (Date.now() - lastProgress >= 10_000) {
            lastProgress = Date.now();
            console.error(line);
          }
        },
        onNodeRestarted: () => writeEnvFile(localPaths(root).envFile, env.description),
      });
      if (interactive) process.stderr.write("\n");
      const file = writeCampaignReport(run, resolve(root, "allure-results"));
      log(`Allure result: ${file} (npm run report)`);
      if (!run.verdict.ok)
        log(
          run.verdict.violations.map((v) => `${v.kind} in ${v.sessionId}: ${v.message}`).join("\n"),
        );
      console.log(run.line);
      return run.verdict.ok ? 0 : 1;
    },
  );
}

runMain("campaign", main);
