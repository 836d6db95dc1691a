/** The line the remote script prints once the suite ran and its results are uploaded. */
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
  /** Lines of each log printed when a step fails or the suite ends. Default: 40. */
  tailLines?: number;
}

/** Prefix of everything a run stores in the results bucket. */
const resultsPrefix = (runId: string): string => `results/${runId}/`;
export const resultsKey = (runId: string): string => `${resultsPrefix(runId)}allure-results.tar.gz`;
export const suiteLogKey = (runId: string): string => `${resultsPrefix(runId)}suite.log`;

/** Quotes a value for a POSIX shell: it stays one word and nothing in it is expanded. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The POSIX sh lines AWS-RunShellScript runs as root on the instance: fetch and unpack the suite,
 * `npm ci`, run `npm run features:instance`, upload allure-results, print the suite's exit code and
 * exit with it. Logs go to files and only their tails to stdout, because GetCommandInvocation keeps
 * only the first 24,000 characters of stdout and the marker must be among them.
 */
export function buildRemoteScript(spec: RemoteRunSpec): string[] {
  const q = shellQuote;
  const tail = spec.tailLines ?? 40;
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
    // Amazon Linux 2023 installs node-20 and npm-20; plain names exist only through alternatives.
    "if ! command -v node >/dev/null 2>&1 && command -v node-20 >/dev/null 2>&1; then",
    '  ln -s "$(command -v node-20)" "$WORK/bin/node"',
    '  ln -s "$(command -v npm-20)" "$WORK/bin/npm"',
    "fi",
    'export PATH="$WORK/bin:$PATH"',
    'if ! command -v npm >/dev/null 2>&1; then echo "npm is not installed on the instance" >&2; exit 1; fi',
    "echo 'HSS_STEP=download'",
    `${cp} ${s3(spec.suiteKey ?? SUITE_KEY)} suite.tar.gz`,
    "mkdir suite",
    "tar -xzf suite.tar.gz -C suite",
    "cd suite",
    "echo 'HSS_STEP=install'",
    `if ! npm ci --no-audit --no-fund >../npm-ci.log 2>&1; then tail -n ${tail} ../npm-ci.log >&2; exit 1; fi`,
    "echo 'HSS_STEP=run'",
    "set +e",
    [
      `HSS_VALKEY_ENDPOINT=${q(spec.valkeyEndpoint)}`,
      `HSS_DYNAMODB_REGION=${q(spec.region)}`,
      `HSS_TABLE=${q(spec.table)}`,
      `TOXIPROXY_URL=${q(spec.toxiproxyUrl)}`,
      "npm run features:instance >../suite.log 2>&1",
    ].join(" "),
    "code=$?",
    "set -e",
    `tail -n ${tail} ../suite.log`,
    "echo 'HSS_STEP=upload'",
    "mkdir -p allure-results",
    "tar -czf ../allure-results.tar.gz -C allure-results .",
    `${cp} ../allure-results.tar.gz ${s3(resultsKey(spec.runId))}`,
    `${cp} ../suite.log ${s3(suiteLogKey(spec.runId))}`,
    `echo "${SUITE_EXIT_MARKER}$code"`,
    'exit "$code"',
  ];
}

/** The suite's exit code from the remote script's stdout, or undefined if it never got that far. */
export function parseSuiteExit(stdout: string): number | undefined {
  const match = new RegExp(`^${SUITE_EXIT_MARKER}(\\d+)$`, "m").exec(stdout);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Renders the run id of a run started at `date`: sortable, and unique with its random suffix. */
export function makeRunId(date: Date, randomHex: string): string {
  return `${date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}-${randomHex}`;
}
