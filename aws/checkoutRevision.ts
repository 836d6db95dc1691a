import { execFileSync } from "node:child_process";

/**
 * The commit `dir`'s checkout is at and whether tracked files differ from it (what deploy.sh packs
 * and records), or undefined when git cannot say: no git, not a checkout, no commit yet.
 */
export function checkoutRevision(dir: string): { revision: string; dirty: boolean } | undefined {
  const git = (...args: string[]): string =>
    execFileSync("git", ["-C", dir, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  try {
    const revision = git("rev-parse", "--verify", "HEAD");
    const dirty = git("status", "--porcelain", "--untracked-files=no") !== "";
    return { revision, dirty };
  } catch {
    return undefined;
  }
}
