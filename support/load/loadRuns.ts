import type { MixedLoadResult } from "./MixedLoad";

/** The last load run of each scenario, for its Then steps (the World itself stays load-agnostic). */
const runs = new WeakMap<object, MixedLoadResult>();

export function rememberLoad(world: object, result: MixedLoadResult): void {
  runs.set(world, result);
}

export function lastLoad(world: object): MixedLoadResult {
  const result = runs.get(world);
  if (!result) throw new Error("no load was run in this scenario");
  return result;
}
