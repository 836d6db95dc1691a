import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { expect } from "chai";
import { collectSteps, renderSteps, STEPS_DOC } from "../../scripts/steps-doc";

const ROOT = resolve(__dirname, "..", "..");

/** The first line where two texts differ, to say what changed. */
function firstDifference(expected: string, actual: string): string {
  const a = expected.split("\n");
  const b = actual.split("\n");
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line < 0 ? Math.min(a.length, b.length) : line;
  return `line ${at + 1}: generated ${JSON.stringify(a[at] ?? "")}, file has ${JSON.stringify(b[at] ?? "")}`;
}

describe("docs/STEPS.md", () => {
  // Support code can be loaded once per process (cucumber keeps it in the require cache).
  const collected = collectSteps(ROOT);

  it("documents every step definition there is now", async () => {
    const { steps, parameterTypes } = await collected;
    const generated = renderSteps(steps, parameterTypes);
    const written = readFileSync(join(ROOT, STEPS_DOC), "utf8");
    if (generated !== written) {
      expect.fail(
        `${STEPS_DOC} is out of date with the step definitions; run \`npm run steps -- --write\` (${firstDifference(generated, written)})`,
      );
    }
  });

  it("finds a real example in the feature files for each step that a scenario uses", async () => {
    const { steps } = await collected;
    expect(steps.length, "steps found").to.be.greaterThan(0);
    for (const step of steps) {
      expect(step.topic, step.definedAt).to.match(/^[a-z][a-z-]*$/);
      if (step.example) {
        expect(step.example.where, step.expression).to.match(/^features\/.+\.feature:\d+$/);
        expect(step.uses, step.expression).to.be.greaterThan(0);
      }
    }
    const signIn = steps.find((s) => s.expression === "a user has a session lasting {duration}");
    expect(signIn?.parameters).to.deep.equal(["duration"]);
    expect(signIn?.example?.text).to.match(
      /^a user has a session lasting \d+ (second|minute|hour)s?$/,
    );
    const table = steps.find((s) => s.expression === "the statistics show:");
    expect(table?.example?.argument[0], "the data table of the example").to.match(/^\| store/);
  });
});
