import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { eventually } from "../../common/eventually";
import { isListening } from "../../lab/processes";
import { type LocalEnv, localEnv, ROOT } from "./localEnv";

/** `npm run serve` as a child process, with its JSON log lines collected. */
function serve(): {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  exited: Promise<number>;
} {
  const child = spawn(
    process.execPath,
    ["-r", "ts-node/register", join("scripts", "serve.ts"), "--port", "0"],
    {
      cwd: ROOT,
      env: { ...process.env, HSS_LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const logs: Record<string, unknown>[] = [];
  let partial = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) if (line.startsWith("{")) logs.push(JSON.parse(line));
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number>((resolve) =>
    child.once("exit", (code) => {
      if (code !== 0) console.error(stderr);
      resolve(code ?? -1);
    }),
  );
  return { child, logs, exited };
}

const logged = (logs: Record<string, unknown>[], msg: string) => {
  const line = logs.find((l) => l.msg === msg);
  if (!line) throw new Error(`not logged yet: ${msg}`);
  return line;
};

describe("npm run serve", () => {
  let env: LocalEnv;
  before(async () => {
    env = await localEnv();
  });
  after(async () => {
    await env?.release();
  });

  it("on SIGTERM stops listening, finishes the request in flight, then closes the store", async () => {
    const { child, logs, exited } = serve();
    try {
      const { url } = (await eventually(() => logged(logs, "session service listening"), {
        timeoutMs: 20_000,
        intervalMs: 50,
        what: "the service to listen",
      })) as { url: string };
      const { hostname, port } = new URL(url);

      const body = JSON.stringify({ data: { user: "ada" }, ttlSeconds: 60 });
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: hostname,
            port,
            method: "POST",
            path: "/sessions",
            headers: { "content-type": "application/json", "content-length": body.length },
          },
          (res) => {
            let text = "";
            res.on("data", (c: Buffer) => {
              text += c.toString();
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on("error", reject);
        req.write(body.slice(0, 10));
        eventually(() => logged(logs, "incoming request"), { what: "the request to arrive" })
          .then(() => {
            child.kill("SIGTERM");
            return eventually(
              async () => {
                logged(logs, "shutting down: finishing in-flight requests");
                expect(await isListening(hostname, Number(port)), "still listening").to.equal(
                  false,
                );
              },
              { what: "the service to stop listening" },
            );
          })
          .then(() => req.end(body.slice(10)), reject);
      });

      const { status, body: answer } = await response;
      expect(status, answer).to.equal(201);
      expect(JSON.parse(answer)).to.have.property("id").that.is.a("string");
      expect(await exited, "exit code").to.equal(0);
      const messages = logs.map((l) => l.msg);
      expect(messages.indexOf("request completed")).to.be.below(
        messages.indexOf("session service stopped; store closed"),
      );
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
