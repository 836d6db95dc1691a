import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { expect } from "chai";
import { REPO_ROOT } from "./harness";

describe("the AWS shell scripts", () => {
  for (const args of [
    ["deploy.sh", "teardown.sh"],
    // Following the library both scripts source, which is checked on its own too.
    ["-x", "deploy.sh", "teardown.sh", "aws/stack.sh"],
    // Run on the instance by deploy.sh.
    ["infra/install-session-service.sh"],
  ]) {
    it(`have no findings from shellcheck ${args.join(" ")}`, () => {
      const run = spawnSync("shellcheck", args, { cwd: REPO_ROOT, encoding: "utf8" });
      if (run.error) {
        expect.fail(
          `shellcheck could not run (${run.error.message}); install it: apt-get install -y shellcheck`,
        );
      }
      expect(run.stdout + run.stderr).to.equal("");
      expect(run.status).to.equal(0);
    });
  }
});
