/** Configuration of `npm run features:aws`, read from the environment in one place. */
export interface FeaturesOnAwsConfig {
  /** Stack deployed by deploy.sh. Env STACK_NAME. Default: hybrid-session-store. */
  stackName: string;
  /** Env AWS_REGION, then AWS_DEFAULT_REGION. Default: ap-northeast-1. */
  region: string;
  /** Longest the suite may run on the instance, in seconds. Env HSS_REMOTE_TIMEOUT_SECONDS. Default: 3600. */
  executionTimeoutSeconds: number;
  /** Time between two status checks, in milliseconds. Env HSS_POLL_INTERVAL_SECONDS (seconds). Default: 10000. */
  pollIntervalMs: number;
  /** Local directory that receives the run's allure results. Default: allure-results. */
  resultsDir: string;
  /** Toxiproxy's API as the instance sees it. Default: http://127.0.0.1:8474. */
  toxiproxyUrl: string;
}

export const DEFAULT_REGION = "ap-northeast-1";
export const DEFAULT_STACK_NAME = "hybrid-session-store";

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive whole number of seconds, not "${raw}"`);
  }
  return value;
}

export function configFromEnv(env: NodeJS.ProcessEnv): FeaturesOnAwsConfig {
  return {
    stackName: env.STACK_NAME || DEFAULT_STACK_NAME,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION,
    executionTimeoutSeconds: positiveInteger(env, "HSS_REMOTE_TIMEOUT_SECONDS", 3600),
    pollIntervalMs: positiveInteger(env, "HSS_POLL_INTERVAL_SECONDS", 10) * 1000,
    resultsDir: "allure-results",
    toxiproxyUrl: "http://127.0.0.1:8474",
  };
}
