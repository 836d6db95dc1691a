/**
 * The package as a user meets it: `npm run build`, `npm pack`, the tarball installed offline into
 * an empty project, then required from CommonJS, imported from an ES module, and type-checked.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { ROOT } from "../service/localEnv";
import { consumerManifests } from "./offlineLock";

const NAMES = ["HybridSessionStore", "ExpressSessionStore", "FastifySessionStore"];

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 120_000 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

const CJS_CONSUMER = `
const { ${NAMES.join(", ")}, ExpressSessionMissingError, isValidSessionId } = require("hybrid-session-store");
let express;
try { new ExpressSessionStore({}); } catch (e) { express = e instanceof ExpressSessionMissingError ? "missing" : String(e); }
console.log(JSON.stringify({
  resolved: require.resolve("hybrid-session-store"),
  types: [${NAMES.join(", ")}].map((c) => typeof c),
  frameworkId: isValidSessionId("x".repeat(32)),
  fastify: typeof new FastifySessionStore({}).get,
  express,
}));
`;

const ESM_CONSUMER = `
import { createRequire } from "node:module";
import { ${NAMES.join(", ")}, InvalidSessionIdError } from "hybrid-session-store";
const cjs = createRequire(import.meta.url)("hybrid-session-store");
console.log(JSON.stringify({
  resolved: import.meta.resolve("hybrid-session-store"),
  types: [${NAMES.join(", ")}].map((c) => typeof c),
  sameClasses: cjs.HybridSessionStore === HybridSessionStore && cjs.InvalidSessionIdError === InvalidSessionIdError,
}));
`;

const TS_CONSUMER = (importLine: string) => `${importLine}

export async function main(config: HybridSessionStoreConfig): Promise<number> {
  const store = await HybridSessionStore.connect(config);
  const session = await store.create({ user: "ada" }, { ttlSeconds: 60 });
  const express = new ExpressSessionStore(store, { ttlSeconds: 600 });
  const fastify = new FastifySessionStore(store);
  fastify.get<{ user: string }>(session.id, (_error, found) => found?.user.toUpperCase());
  express.destroy(session.id);
  // @ts-expect-error a TTL is a number of seconds, so the declarations are really checked
  await store.touch(session.id, "60");
  return session.expiresAt;
}
`;

describe("the npm package, installed from its tarball into an empty project", () => {
  let work: string;
  let project: string;
  let files: string[];
  let tarballBytes: number;

  before(() => {
    work = mkdtempSync(join(tmpdir(), "hss-pack-"));
    project = join(work, "consumer");
    run("npm", ["run", "build"], ROOT);
    const packed = JSON.parse(
      run("npm", ["pack", "--json", "--pack-destination", work], ROOT).stdout,
    ) as { filename: string; files: { path: string }[] }[];
    const [tarball] = packed;
    if (!tarball) throw new Error("npm pack made no tarball");
    files = tarball.files.map((f) => f.path);
    tarballBytes = statSync(join(work, tarball.filename)).size;
    run("mkdir", ["-p", project], work);
    run("cp", [join(work, tarball.filename), project], work);
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const { packageJson, packageLock } = consumerManifests(
      join(ROOT, "package-lock.json"),
      join(project, tarball.filename),
      tarball.filename,
      manifest,
    );
    writeFileSync(join(project, "package.json"), JSON.stringify(packageJson, null, 2));
    writeFileSync(join(project, "package-lock.json"), JSON.stringify(packageLock, null, 2));
    run("npm", ["install", "--offline", "--no-audit", "--no-fund"], project);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("ships the library's build and nothing else", () => {
    const outside = files.filter(
      (f) => !f.startsWith("dist/") && !["package.json", "README.md", "LICENSE"].includes(f),
    );
    expect(outside, "files outside dist/").to.deep.equal([]);
    for (const needed of ["index.js", "index.mjs", "index.d.ts", "index.d.mts"]) {
      expect(files).to.include(`dist/${needed}`);
    }
    expect(files).to.include("dist/adapters/ExpressSessionStore.d.ts");
    const foreign = /^dist\/(test|lab|steps|support|service|infra|toxiproxy|checker|scripts)\//;
    expect(
      files.filter((f) => foreign.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts"))),
    ).to.deep.equal([]);
    expect(tarballBytes, "tarball bytes").to.be.below(100_000);
  });

  it("is required from CommonJS, without express-session installed", () => {
    writeFileSync(join(project, "consumer.cjs"), CJS_CONSUMER);
    const out = JSON.parse(run(process.execPath, ["consumer.cjs"], project).stdout);
    expect(out).to.deep.equal({
      resolved: join(project, "node_modules", "hybrid-session-store", "dist", "index.js"),
      types: ["function", "function", "function"],
      frameworkId: true,
      fastify: "function",
      express: "missing",
    });
  });

  it("is imported from an ES module, with the same classes as require gives", () => {
    writeFileSync(join(project, "consumer.mjs"), ESM_CONSUMER);
    const out = JSON.parse(run(process.execPath, ["consumer.mjs"], project).stdout);
    expect(out).to.deep.equal({
      resolved: `file://${join(project, "node_modules", "hybrid-session-store", "dist", "index.mjs")}`,
      types: ["function", "function", "function"],
      sameClasses: true,
    });
  });

  it("type-checks a TypeScript consumer, as an ES module and as CommonJS", () => {
    const names = `${NAMES.join(", ")}, type HybridSessionStoreConfig`;
    writeFileSync(
      join(project, "consumer.mts"),
      TS_CONSUMER(`import { ${names} } from "hybrid-session-store";`),
    );
    writeFileSync(
      join(project, "consumer.cts"),
      TS_CONSUMER(`import { ${names} } from "hybrid-session-store";`),
    );
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "ES2022",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
        },
        files: ["consumer.mts", "consumer.cts"],
      }),
    );
    run(
      process.execPath,
      [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "."],
      project,
    );
  });
});
