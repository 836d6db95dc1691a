import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * Which process owns the loopback TCP socket whose local port is `port`: one of `pids`, or
 * undefined. Read from /proc (Linux), so a check can tell a proxied connection from a direct one
 * even when both come from 127.0.0.1.
 */
export function ownerOfLocalPort(port: number, pids: number[]): number | undefined {
  const inode = socketInode(port);
  if (inode === undefined) return undefined;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return pid;
      } catch {
        // The descriptor closed while we looked.
      }
    }
  }
  return undefined;
}

function socketInode(port: number): string | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let lines: string[];
    try {
      lines = readFileSync(table, "utf8").split("\n").slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      // Established sockets only: a closed one (TIME_WAIT) may hold the same port, with inode 0.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === "01") return fields[9];
    }
  }
  return undefined;
}
