/**
 * The service's configuration, from environment variables and command-line flags, in one place.
 * Only entry points (scripts/serve.ts, scripts/doctor.ts) call `loadServiceConfig` with
 * `process.env` and `process.argv`; everything below them receives the resolved values.
 *
 * | Variable                | Flag                  | Meaning                                                 | Default             |
 * | ----------------------- | --------------------- | ------------------------------------------------------- | ------------------- |
 * | `PORT`                  | `--port`              | TCP port to listen on (0 picks a free one)              | 8000                |
 * | `HOST`                  | `--host`              | Address to listen on                                    | 127.0.0.1           |
 * | `HSS_ENV_FILE`          | `--env-file`          | Environment description whose `storeConfig` is used     | .local-env.json     |
 * | `HSS_VALKEY_ENDPOINT`   | `--valkey-endpoint`   | `host:port` of a seed node or the configuration endpoint | from the env file   |
 * | `HSS_DYNAMODB_REGION`   | `--dynamodb-region`   | AWS region of the table                                  | ap-northeast-1      |
 * | `HSS_DYNAMODB_ENDPOINT` | `--dynamodb-endpoint` | DynamoDB endpoint URL (DynamoDB Local, a proxy)          | the region's own    |
 * | `HSS_TABLE`             | `--table`             | DynamoDB table name                                      | session-store       |
 * | `HSS_BODY_LIMIT_BYTES`  | `--body-limit-bytes`  | Largest request body accepted, in bytes                  | 524288 (512 KiB)    |
 * | `HSS_LOG_LEVEL`         | `--log-level`         | pino level of the request log (`silent` turns it off)    | info                |
 * | `HSS_CLOCK_OFFSET_MS`   | `--clock-offset-ms`   | Milliseconds added to this server's clock (may be < 0)   | 0                   |
 * | `TOXIPROXY_URL`         | `--toxiproxy-url`     | Fault proxy API, checked by `npm run doctor` only        | env file's, if any  |
 *
 * Flags win over variables. With neither `HSS_VALKEY_ENDPOINT` nor `HSS_ENV_FILE` set, the service
 * attaches to the local environment `npm run env:up` describes in `.local-env.json`. With
 * `HSS_VALKEY_ENDPOINT` set (the AWS stack) the env file is read only when named explicitly; the
 * AWS SDK then finds credentials through its default provider chain.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import envFiles from "../lab/envFiles.json";
import { DEFAULT_REGION, type HybridSessionStoreConfig, type NodeAddress } from "../store";

export const DEFAULT_PORT = 8000;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_ENV_FILE = envFiles.local;
/** 512 KiB: above DynamoDB's 400 KB item, so the store's SessionTooLargeError answers for big sessions. */
export const DEFAULT_BODY_LIMIT_BYTES = 512 * 1024;
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where the store's two back ends are, and the fault proxy if there is one. */
export interface StoreTarget {
  storeConfig: HybridSessionStoreConfig;
  /** Which file or variables the store configuration came from, for messages. */
  source: string;
  /** The fault proxy's API URL, when one is configured. */
  toxiproxyUrl?: string;
  /** Every Valkey node the env file lists (absent when the cache is given as an endpoint). */
  valkeyNodes?: NodeAddress[];
  /**
   * The host the cluster names those nodes by to its clients, when the env file says it is not
   * theirs (a lab cluster announces its fault proxies' host).
   */
  valkeyAnnouncedHost?: string;
}

export interface ServiceConfig extends StoreTarget {
  port: number;
  host: string;
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number;
  logLevel: LogLevel;
  /** Milliseconds added to the wall clock the store reads (negative: behind); a skewed server. */
  clockOffsetMs: number;
}

/** A configuration value that cannot be used; the message names the variable or flag. */
export class ConfigError extends Error {}

const OPTIONS = {
  port: { type: "string", env: "PORT" },
  host: { type: "string", env: "HOST" },
  "env-file": { type: "string", env: "HSS_ENV_FILE" },
  "valkey-endpoint": { type: "string", env: "HSS_VALKEY_ENDPOINT" },
  "dynamodb-region": { type: "string", env: "HSS_DYNAMODB_REGION" },
  "dynamodb-endpoint": { type: "string", env: "HSS_DYNAMODB_ENDPOINT" },
  table: { type: "string", env: "HSS_TABLE" },
  "body-limit-bytes": { type: "string", env: "HSS_BODY_LIMIT_BYTES" },
  "log-level": { type: "string", env: "HSS_LOG_LEVEL" },
  "clock-offset-ms": { type: "string", env: "HSS_CLOCK_OFFSET_MS" },
  "toxiproxy-url": { type: "string", env: "TOXIPROXY_URL" },
} as const;
type OptionName = keyof typeof OPTIONS;
/** Every environment variable the service and the doctor read. */
export const CONFIG_VARIABLES: readonly string[] = Object.values(OPTIONS).map(
  (option) => option.env,
);

/** Each option's value (flag first, then variable) with the name it was given under. */
type Settings = Partial<Record<OptionName, { value: string; name: string }>>;

function settingsFrom(env: NodeJS.ProcessEnv, argv: readonly string[]): Settings {
  let flags: Record<string, string | boolean | undefined>;
  try {
    ({ values: flags } = parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.keys(OPTIONS).map((k) => [k, { type: "string" }])),
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const settings: Settings = {};
  for (const [option, { env: variable }] of Object.entries(OPTIONS) as [
    OptionName,
    (typeof OPTIONS)[OptionName],
  ][]) {
    const flag = flags[option];
    if (typeof flag === "string") settings[option] = { value: flag, name: `--${option}` };
    else if (env[variable]) settings[option] = { value: env[variable] as string, name: variable };
  }
  return settings;
}

function integer(setting: { value: string; name: string } | undefined, fallback: number, min = 0) {
  if (!setting) return fallback;
  const value = Number(setting.value);
  if (!/^\d+$/.test(setting.value.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(
      `${setting.name} must be a whole number of at least ${min}, not "${setting.value}"`,
    );
  }
  return value;
}

/** A whole number that may be negative, e.g. a clock offset. */
function signedInteger(setting: { value: string; name: string } | undefined): number {
  if (!setting) return 0;
  const value = Number(setting.value);
  if (!/^[-+]?\d+$/.test(setting.value.trim()) || !Number.isSafeInteger(value)) {
    throw new ConfigError(`${setting.name} must be a whole number, not "${setting.value}"`);
  }
  return value;
}

/** "host:port" (a bracketed IPv6 host is accepted) as an address. */
export function parseEndpoint(text: string, name: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`${name} must be host:port, not "${text}"`);
  }
  return { host: match[1], port };
}

interface EnvFileContent {
  storeConfig?: HybridSessionStoreConfig;
  valkey?: { nodes?: NodeAddress[]; announcedHost?: string };
  toxiproxy?: { url?: string };
}

function readEnvFile(path: string, name: string): EnvFileContent {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as EnvFileContent;
  } catch (error) {
    throw new ConfigError(`${name} ${path} cannot be read: ${(error as Error).message}`);
  }
}

/**
 * Where the store's back ends are: the env file's `storeConfig` with any variable or flag laid over
 * it, or (with `HSS_VALKEY_ENDPOINT` and no env file named) the variables alone.
 */
function storeTarget(settings: Settings, cwd: string): StoreTarget {
  const named = settings["env-file"];
  const valkey = settings["valkey-endpoint"];
  const envFile = resolve(cwd, named?.value ?? DEFAULT_ENV_FILE);
  let base: EnvFileContent = {};
  let source = "environment variables";
  if (named || !valkey) {
    if (!named && !existsSync(envFile)) {
      throw new ConfigError(
        `no store configured: ${DEFAULT_ENV_FILE} is absent (start the local environment with \`npm run env:up\`) and HSS_VALKEY_ENDPOINT is not set`,
      );
    }
    base = readEnvFile(envFile, named?.name ?? "the env file");
    if (!base.storeConfig) throw new ConfigError(`${envFile} has no storeConfig`);
    source = envFile;
  }
  const storeConfig: HybridSessionStoreConfig = {
    ...base.storeConfig,
    valkey: { ...base.storeConfig?.valkey, addresses: base.storeConfig?.valkey.addresses ?? [] },
    dynamodb: { ...base.storeConfig?.dynamodb },
  };
  if (valkey) storeConfig.valkey = { addresses: [parseEndpoint(valkey.value, valkey.name)] };
  const region = settings["dynamodb-region"]?.value;
  const endpoint = settings["dynamodb-endpoint"]?.value;
  if (region) storeConfig.dynamodb.region = region;
  if (endpoint) {
    try {
      new URL(endpoint);
    } catch {
      throw new ConfigError(
        `${settings["dynamodb-endpoint"]?.name} must be a URL, not "${endpoint}"`,
      );
    }
    storeConfig.dynamodb.endpoint = endpoint;
  }
  storeConfig.dynamodb.region ??= DEFAULT_REGION;
  const table = settings.table?.value;
  if (table) storeConfig.tableName = table;
  const toxiproxyUrl = settings["toxiproxy-url"]?.value ?? base.toxiproxy?.url;
  const nodes = valkey ? undefined : base.valkey?.nodes?.map(({ host, port }) => ({ host, port }));
  const announcedHost = nodes ? base.valkey?.announcedHost : undefined;
  return {
    storeConfig,
    source,
    ...(toxiproxyUrl ? { toxiproxyUrl } : {}),
    ...(nodes ? { valkeyNodes: nodes } : {}),
    ...(announcedHost ? { valkeyAnnouncedHost: announcedHost } : {}),
  };
}

/** Reads the store's whereabouts only (what `npm run doctor` needs). */
export function loadStoreTarget(
  env: NodeJS.ProcessEnv,
  argv: readonly string[] = [],
  cwd = process.cwd(),
): StoreTarget {
  const settings = settingsFrom(env, argv);
  return storeTarget(settings, cwd);
}

/** The whole service configuration. Throws ConfigError naming the variable or flag at fault. */
export function loadServiceConfig(
  env: NodeJS.ProcessEnv,
  argv: readonly string[] = [],
  cwd = process.cwd(),
): ServiceConfig {
  const settings = settingsFrom(env, argv);
  const logLevel = settings["log-level"];
  if (logLevel && !(LOG_LEVELS as readonly string[]).includes(logLevel.value)) {
    throw new ConfigError(
      `${logLevel.name} must be one of ${LOG_LEVELS.join(", ")}, not "${logLevel.value}"`,
    );
  }
  const port = integer(settings.port, DEFAULT_PORT);
  if (port > 65535) throw new ConfigError(`${settings.port?.name} must be at most 65535`);
  return {
    ...storeTarget(settings, cwd),
    port,
    host: settings.host?.value ?? DEFAULT_HOST,
    bodyLimitBytes: integer(settings["body-limit-bytes"], DEFAULT_BODY_LIMIT_BYTES, 1),
    logLevel: (logLevel?.value as LogLevel | undefined) ?? "info",
    clockOffsetMs: signedInteger(settings["clock-offset-ms"]),
  };
}
