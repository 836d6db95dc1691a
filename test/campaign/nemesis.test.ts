import { describe, it } from "node:test";
import { expect } from "chai";
import { chosenIdPool, generateOperations } from "../../campaign/generator";
import { isCacheSideFault, STORE_CLEARANCE_MS, scheduleFaults } from "../../campaign/nemesis";
import { FAULT_CLASS_INFO, FAULT_CLASSES } from "../../lab/faultClasses";

const servers = ["a", "b", "c"];

describe("the campaign generator", () => {
  it("gives the same operations for the same seed, and others for another", () => {
    const options = { seed: 11, durationMs: 20_000, servers: 3, users: 10 };
    expect(generateOperations(options)).to.deep.equal(generateOperations(options));
    expect(generateOperations({ ...options, seed: 12 })).to.not.deep.equal(
      generateOperations(options),
    );
  });

  it("starts every user with a create, spreads operations over every server, draws chosen ids", () => {
    const ops = generateOperations({ seed: 3, durationMs: 30_000, servers: 3, users: 20 });
    for (let user = 0; user < 20; user++) {
      expect(ops.find((op) => op.user === user)?.kind, `user ${user}'s first op`).to.equal(
        "create",
      );
    }
    expect(new Set(ops.map((op) => op.server))).to.deep.equal(new Set([0, 1, 2]));
    expect(ops.some((op) => op.chosenId !== undefined)).to.equal(true);
    expect(ops.every((op, i) => i === 0 || (ops[i - 1]?.at ?? 0) <= op.at)).to.equal(true);
  });

  it("draws chosen ids that are valid session ids", () => {
    for (const id of chosenIdPool(5, 8)) expect(id).to.match(/^[A-Za-z0-9_-]{24}$/);
  });
});

describe("the nemesis schedule", () => {
  it("is the same for the same seed and uses every class in two minutes", () => {
    for (const seed of [1, 2, 3, 1234, 99_999]) {
      const schedule = scheduleFaults({ seed, durationMs: 120_000, servers });
      expect(schedule).to.deep.equal(scheduleFaults({ seed, durationMs: 120_000, servers }));
      expect(new Set(schedule.map((f) => f.class)).size, `classes for seed ${seed}`).to.equal(
        FAULT_CLASSES.length,
      );
    }
  });

  it("keeps node faults apart, the cache's side clear of DynamoDB's, and heals before the end", () => {
    for (let seed = 0; seed < 200; seed++) {
      const schedule = scheduleFaults({ seed, durationMs: 60_000, servers });
      for (const f of schedule) {
        expect(f.heal).to.be.greaterThan(f.start);
        expect(f.heal).to.be.at.most(54_000);
        for (const g of schedule) {
          if (f === g) continue;
          const exclusive = (x: typeof f) => FAULT_CLASS_INFO[x.class].scope !== "links";
          if (exclusive(f) && exclusive(g)) {
            expect(
              f.heal <= g.start || g.heal <= f.start,
              `seed ${seed}: ${f.class} and ${g.class}`,
            ).to.equal(true);
          }
          const [lf, lg] = [FAULT_CLASS_INFO[f.class], FAULT_CLASS_INFO[g.class]];
          const shared = f.target === g.target || f.target === "all" || g.target === "all";
          if (lf.scope === "links" && lg.scope === "links" && lf.store === lg.store && shared) {
            expect(
              f.heal <= g.start || g.heal <= f.start,
              `seed ${seed}: ${f.class} on ${f.target} and ${g.class} on ${g.target}`,
            ).to.equal(true);
          }
          if (isCacheSideFault(f) && FAULT_CLASS_INFO[g.class].store === "dynamodb") {
            const apart =
              f.start >= g.heal + STORE_CLEARANCE_MS || g.start >= f.heal + STORE_CLEARANCE_MS;
            expect(apart, `seed ${seed}: ${f.class} near ${g.class}`).to.equal(true);
          }
        }
      }
    }
  });
});
