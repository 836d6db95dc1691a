import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../localEnv";

/** Runs `npm run doctor`'s script with these variables; resolves with its exit code and output. */
export function runDoctor(env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  const child = spawn(process.execPath, ["-r", "ts-node/register", join("scripts", "doctor.ts")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    out += c.toString();
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code: code ?? -1, out })));
}
