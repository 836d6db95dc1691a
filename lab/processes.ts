import { execFileSync, spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { eventually } from "../common/eventually";

/** A server process this environment started, identified by pid and checked by its command line. */
export interface ProcessRecord {
  pid: number;
  /** A word that must appear in /proc/<pid>/cmdline, so a reused pid is never signalled. */
  marker: string;
}

/** Starts a server in its own process group, detached, so it outlives `env:up`. Output goes to `logFile`. */
export function startServer(
  command: string,
  args: string[],
  options: { cwd: string; logFile: string },
): Promise<number> {
  const log = openSync(options.logFile, "a");
  const child = spawn(command, args, {
    cwd: options.cwd,
    detached: true,
    stdio: ["ignore", log, log],
  });
  return new Promise((resolve, reject) => {
    child.once("error", (e) => reject(new Error(`could not start ${command}: ${e.message}`)));
    child.once("spawn", () => {
      child.unref();
      resolve(child.pid as number);
    });
  });
}

/** True while the process runs (a zombie, or a pid reused by another program, counts as gone). */
export function isRunning(proc: ProcessRecord): boolean {
  try {
    const stat = readFileSync(`/proc/${proc.pid}/stat`, "utf8");
    if (/\) Z /.test(stat)) return false;
    return readFileSync(`/proc/${proc.pid}/cmdline`, "utf8").includes(proc.marker);
  } catch {
    return false;
  }
}

/**
 * SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves once it has exited and, if
 * it was orphaned, once init has reaped it (this machine's init reaps within about 2 s; a zombie
 * still there after `reapMs` is init's to collect and holds no port or file).
 */
export async function stopProcess(
  proc: ProcessRecord,
  graceMs = 5000,
  reapMs = 5000,
): Promise<void> {
  if (isRunning(proc)) {
    process.kill(proc.pid, "SIGTERM");
    try {
      await eventually(() => assertStopped(proc), { timeoutMs: graceMs, intervalMs: 20 });
    } catch {
      if (isRunning(proc)) process.kill(proc.pid, "SIGKILL");
      await eventually(() => assertStopped(proc), {
        timeoutMs: 2000,
        intervalMs: 20,
        what: `pid ${proc.pid} to exit`,
      });
    }
  }
  await eventually(() => assertReaped(proc.pid), { timeoutMs: reapMs, intervalMs: 50 }).catch(
    () => undefined,
  );
}

/** SIGKILL: the process dies at once, with no chance to hand anything over. */
export async function killProcess(proc: ProcessRecord): Promise<void> {
  if (isRunning(proc)) process.kill(proc.pid, "SIGKILL");
  await eventually(() => assertStopped(proc), {
    timeoutMs: 2000,
    intervalMs: 10,
    what: `pid ${proc.pid} to die`,
  });
}

function assertStopped(proc: ProcessRecord): void {
  if (isRunning(proc)) throw new Error(`pid ${proc.pid} still running`);
}

function assertReaped(pid: number): void {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return;
  }
  if (/\) Z /.test(stat)) throw new Error(`pid ${pid} not yet reaped`);
}

/** Resolves true when something accepts TCP connections on host:port. */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** The last lines of a log file, to explain why a server did not come up. */
export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Which process listens on a local TCP port, as "pid 123 (node scripts/serve.ts)", from `ss`;
 * undefined when nothing does or the holder cannot be seen.
 */
export function listenerOf(port: number): string | undefined {
  let line: string;
  try {
    line = execFileSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
  if (!line) return undefined;
  const pid = /pid=(\d+)/.exec(line)?.[1];
  if (!pid) return "a process this user cannot see";
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    return `pid ${pid} (${command.length > 100 ? `${command.slice(0, 100)}…` : command})`;
  } catch {
    return `pid ${pid}`;
  }
}
