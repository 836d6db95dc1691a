/** The line the remote script prints as soon as the suite ends, before any log tail (for people). */
export const SUITE_EXIT_MARKER = "HSS_SUITE_EXIT=";
/** Where deploy.sh uploads the suite in the results bucket. */
export const SUITE_KEY = "suite/suite.tar.gz";

export interface RemoteRunSpec {
  runId: string;
  bucket: string;
  /** Key of the suite tarball in `bucket`. Default: SUITE_KEY. */
  suiteKey?: string;
  /** Region for the instance's `aws s3 cp` calls and the suite's DynamoDB client. */
  region: string;
  /** `<address>:<port>` of the Valkey configuration endpoint. */
  valkeyEndpoint: string;
  table: string;
  /** Toxiproxy's API on the instance. */
  toxiproxyUrl: string;
  /** Parent of the run's working directory on the instance. Default: /var/tmp/hss-runs. */
  workRoot?: string;
  /**
   * Bytes of the suite's log printed once it ends. Default: 16000, well inside the 24,000
   * characters of stdout that GetCommandInvocation keeps.
   */
  tailBytes?: number;
}

/** Prefix of everything a run stores in the results bucket. */
const resultsPrefix = (runId: string): string => `results/${runId}/`;
export const resultsKey = (runId: string): string => `${resultsPrefix(runId)}allure-results.tar.gz`;
export const suiteLogKey = (runId: string): string => `${resultsPrefix(runId)}suite.log`;
/** The suite's exit code, uploaded last: the run's verdict, whatever SSM kept of its output. */
export const exitCodeKey = (runId: string): string => `${resultsPrefix(runId)}exit-code`;
/** Bytes of npm's log printed to stderr when `npm ci` fails; GetCommandInvocation keeps 8,000. */
const NPM_LOG_TAIL_BYTES = 6000;

/** Quotes a value for a POSIX shell: it stays one word and nothing in it is expanded. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The POSIX sh lines AWS-RunShellScript runs as root on the instance: fetch and unpack the suite,
 * `npm ci`, run the compiled suite (build/scripts/features-instance.js) on Node.js 22, upload
 * allure-results, the log and then the exit code to S3, and exit with the suite's code. The exit
 * code is read from S3, not from stdout, which GetCommandInvocation cuts at 24,000 characters;
 * stdout gets the marker first and then a tail bounded in bytes.
 */
export function buildRemoteScript(spec: RemoteRunSpec): string[] {
  const q = shellQuote;
  const tailBytes = spec.tailBytes ?? 16_000;
  const work = `${spec.workRoot ?? "/var/tmp/hss-runs"}/${spec.runId}`;
  const s3 = (key: string) => q(`s3://${spec.bucket}/${key}`);
  const cp = `aws s3 cp --region ${q(spec.region)} --only-show-errors`;
  return [
    // Run Command starts scripts without HOME, which npm needs for its cache (before set -u).
    'if [ -z "$HOME" ]; then export HOME=/root; fi',
    "set -eu",
    `WORK=${q(work)}`,
    'rm -rf "$WORK"',
    'mkdir -p "$WORK/bin"',
    // The run's node_modules would fill the instance's disk over a few runs.
    "trap 'cd / && rm -rf \"$WORK\"' EXIT",
    'cd "$WORK"',
    // Amazon Linux 2023 names its Node.js 22 node-22 and npm-22; the plain names may be another.
    "if command -v node-22 >/dev/null 2>&1; then",
    '  ln -s "$(command -v node-22)" "$WORK/bin/node"',
    '  ln -s "$(command -v npm-22)" "$WORK/bin/npm"',
    "fi",
    'export PATH="$WORK/bin:$PATH"',
    'if ! command -v npm >/dev/null 2>&1; then echo "npm is not installed on the instance" >&2; exit 1; fi',
    "echo 'HSS_STEP=download'",
    `${cp} ${s3(spec.suiteKey ?? SUITE_KEY)} suite.tar.gz`,
    "mkdir suite",
    "tar -xzf suite.tar.gz -C suite",
    "cd suite",
    "echo 'HSS_STEP=install'",
    `if ! npm ci --no-audit --no-fund >../npm-ci.log 2>&1; then tail -c ${NPM_LOG_TAIL_BYTES} ../npm-ci.log >&2; exit 1; fi`,
    'if [ ! -f build/scripts/features-instance.js ]; then echo "the suite has no build/; deploy.sh compiles it before it uploads" >&2; exit 1; fi',
    "echo 'HSS_STEP=run'",
    "set +e",
    [
      `HSS_VALKEY_ENDPOINT=${q(spec.valkeyEndpoint)}`,
      `HSS_DYNAMODB_REGION=${q(spec.region)}`,
      `HSS_TABLE=${q(spec.table)}`,
      `TOXIPROXY_URL=${q(spec.toxiproxyUrl)}`,
      "node build/scripts/features-instance.js >../suite.log 2>&1",
    ].join(" "),
    "code=$?",
    "set -e",
    `echo "${SUITE_EXIT_MARKER}$code"`,
    `tail -c ${tailBytes} ../suite.log`,
    "echo",
    "echo 'HSS_STEP=upload'",
    "mkdir -p allure-results",
    "tar -czf ../allure-results.tar.gz -C allure-results .",
    `${cp} ../allure-results.tar.gz ${s3(resultsKey(spec.runId))}`,
    `${cp} ../suite.log ${s3(suiteLogKey(spec.runId))}`,
    'echo "$code" >../exit-code',
    `${cp} ../exit-code ${s3(exitCodeKey(spec.runId))}`,
    'exit "$code"',
  ];
}

/** Renders the run id of a run started at `date`: sortable, and unique with its random suffix. */
export function makeRunId(date: Date, randomHex: string): string {
  return `${date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}-${randomHex}`;
}
