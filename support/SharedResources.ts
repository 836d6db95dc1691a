import type { Environment } from "../lab/Environment";
import type { FaultProxy } from "../lab/FaultProxy";
import type { CacheObserver } from "../lab/observe/CacheObserver";
import type { DurableObserver } from "../lab/observe/DurableObserver";

/** Everything a scenario is configured with comes from here (cucumber.js worldParameters). */
export interface SessionWorldParameters {
  /** The cucumber profile that runs: "local" (or "aws" later). */
  profile: string;
  /** The environment description to attach to, relative to the working directory. */
  envFile: string;
  /**
   * How scenarios reach the store: "in-process" calls it, "http" goes through the session service
   * (run in this process over the same store). Default: "in-process".
   */
  driver?: "in-process" | "http";
}

/** What one worker shares between scenarios: the environment and the observers. */
export interface SharedResources {
  env: Environment;
  cache: CacheObserver;
  durable: DurableObserver;
  /** Absent when the environment has no fault proxy. */
  faults?: FaultProxy;
}
