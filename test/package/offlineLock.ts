/**
 * A lockfile for a throwaway project that installs the packed tarball: the tarball itself plus
 * exactly the dependency tree this repository's own lockfile pins for it, so `npm install
 * --offline` finds every package in npm's cache (this checkout's `npm ci` put them there).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  [field: string]: unknown;
}

interface Lockfile {
  packages: Record<string, LockEntry>;
}

/** Where node would find `name` from the package at `from` (a lockfile path, "" for the root). */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | null {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return null;
    const at = base.lastIndexOf("/node_modules/");
    base = at < 0 ? "" : base.slice(0, at);
  }
}

/** The lockfile entries of `roots` and everything they need, as the repository's lockfile has them. */
function closure(lock: Lockfile, roots: string[], dev: boolean): Record<string, LockEntry> {
  const out: Record<string, LockEntry> = {};
  const queue = roots.map((name) => ({ from: "", name }));
  for (let next = queue.shift(); next; next = queue.shift()) {
    const path = resolveIn(lock.packages, next.from, next.name);
    if (!path || out[path]) continue;
    const { dev: _dev, ...entry } = lock.packages[path] as LockEntry;
    out[path] = dev ? { ...entry, dev: true } : entry;
    const needs = {
      ...entry.dependencies,
      ...entry.optionalDependencies,
      ...entry.peerDependencies,
    };
    for (const name of Object.keys(needs)) queue.push({ from: path, name });
  }
  return out;
}

export interface ConsumerManifests {
  packageJson: object;
  packageLock: object;
}

/**
 * package.json and package-lock.json of a project depending on the tarball (a file name beside
 * them) and, for type checks, on @types/node.
 */
export function consumerManifests(
  repoLockPath: string,
  tarballPath: string,
  tarballName: string,
  manifest: {
    name: string;
    version: string;
    dependencies: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  },
): ConsumerManifests {
  const lock = JSON.parse(readFileSync(repoLockPath, "utf8")) as Lockfile;
  const typesNode = lock.packages["node_modules/@types/node"]?.version ?? "*";
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarballPath)).digest("base64")}`;
  const spec = `file:${tarballName}`;
  const root = {
    name: "consumer",
    version: "1.0.0",
    dependencies: { [manifest.name]: spec },
    devDependencies: { "@types/node": typesNode },
  };
  return {
    packageJson: { ...root, private: true },
    packageLock: {
      name: "consumer",
      version: "1.0.0",
      lockfileVersion: 3,
      requires: true,
      packages: {
        "": root,
        [`node_modules/${manifest.name}`]: {
          version: manifest.version,
          resolved: spec,
          integrity,
          dependencies: manifest.dependencies,
          peerDependencies: manifest.peerDependencies,
          peerDependenciesMeta: manifest.peerDependenciesMeta,
        },
        ...closure(lock, ["@types/node"], true),
        ...closure(lock, Object.keys(manifest.dependencies), false),
      },
    },
  };
}
