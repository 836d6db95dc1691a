/**
 * npm run steps [-- --write]: the step vocabulary, for people writing scenarios. Loads the step
 * definitions as cucumber does (default profile), finds a real example of each step in the feature
 * files by matching the step's own expression, and prints Markdown grouped by step file.
 * `--write` writes docs/STEPS.md instead; test/docs/steps-doc.test.ts fails when that is stale.
 */
import "./entry";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve, sep } from "node:path";
import { loadConfiguration, loadSupport } from "@cucumber/cucumber/api";
import { AstBuilder, compile, GherkinClassicTokenMatcher, Parser } from "@cucumber/gherkin";
import { IdGenerator, type Pickle, type PickleStep } from "@cucumber/messages";
import { runMain } from "../common/runMain";

export const STEPS_DOC = join("docs", "STEPS.md");

/** Topics in the order a newcomer meets them; step files not listed follow alphabetically. */
const TOPIC_ORDER = ["sessions", "stores", "reads", "statistics", "input", "concurrency"];

/** What cucumber's built-in parameter types match, in words. */
const BUILT_IN: Record<string, string> = {
  int: "a whole number, e.g. `3` or `-1`",
  float: "a decimal number, e.g. `1.5`",
  word: "one word without spaces",
  string: 'text in double or single quotes, e.g. `"INVALID_TTL"` (the quotes are not passed)',
  "": "anything (`{}`), passed as it is written",
  bigdecimal: "a decimal number",
  biginteger: "a whole number",
  byte: "a whole number",
  short: "a whole number",
  long: "a whole number",
  double: "a decimal number",
};

/** The parts of cucumber's support code library this script reads. */
interface Argument {
  group: { value?: string | null };
  parameterType: { name?: string };
}
interface Expression {
  source: string;
  match(text: string): readonly Argument[] | null;
}
interface StepDefinition {
  keyword: string;
  pattern: string | RegExp;
  expression: Expression;
  uri: string;
  line: number;
}
interface ParameterType {
  name?: string;
  regexpStrings: readonly string[];
}
interface SupportCodeLibrary {
  stepDefinitions: StepDefinition[];
  parameterTypeRegistry: { lookupByTypeName(name: string): ParameterType | undefined };
}

export interface StepExample {
  text: string;
  /** Feature file and line of the step in the scenario (or outline) that uses it. */
  where: string;
  /** The data table or doc string that follows the step, as Gherkin lines. */
  argument: string[];
}

export interface StepDoc {
  topic: string;
  keyword: string;
  /** The expression as written in the step file. */
  expression: string;
  isRegExp: boolean;
  /** Parameter names ("int", "user", ...) or regexp groups, in order. */
  parameters: string[];
  /** The first use in the feature files, in path order; absent when no scenario uses it yet. */
  example?: StepExample;
  /** How many scenario steps (outlines expanded) this definition matches. */
  uses: number;
  definedAt: string;
}

interface UsedStep {
  step: PickleStep;
  where: string;
}

function featureFiles(root: string, paths: readonly string[]): string[] {
  const files = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".feature")) files.add(path);
    }
  };
  for (const pattern of paths) {
    // "features/**/*.feature" -> everything below features/ (the only form the profiles use).
    const base = resolve(root, pattern.split("*")[0] ?? ".");
    if (statSync(base, { throwIfNoEntry: false })?.isDirectory()) walk(base);
    else if (base.endsWith(".feature")) files.add(base);
  }
  return [...files].sort();
}

/** Every step of every scenario, outlines expanded, with the line it is written on. */
function usedSteps(root: string, files: string[]): UsedStep[] {
  const used: UsedStep[] = [];
  for (const file of files) {
    const uri = relative(root, file).split(sep).join("/");
    const newId = IdGenerator.incrementing();
    const parser = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher());
    const document = parser.parse(readFileSync(file, "utf8"));
    const lines = new Map<string, number>();
    const visitSteps = (steps: readonly { id: string; location: { line: number } }[]) => {
      for (const s of steps) lines.set(s.id, s.location.line);
    };
    for (const child of document.feature?.children ?? []) {
      visitSteps(child.background?.steps ?? []);
      visitSteps(child.scenario?.steps ?? []);
      for (const ruleChild of child.rule?.children ?? []) {
        visitSteps(ruleChild.background?.steps ?? []);
        visitSteps(ruleChild.scenario?.steps ?? []);
      }
    }
    const pickles: readonly Pickle[] = compile(document, uri, newId);
    for (const pickle of pickles) {
      for (const step of pickle.steps) {
        const line = lines.get(step.astNodeIds[0] ?? "");
        used.push({ step, where: `${uri}:${line ?? "?"}` });
      }
    }
  }
  return used;
}

function gherkinArgument(step: PickleStep): string[] {
  const table = step.argument?.dataTable;
  if (table) {
    const rows = table.rows.map((r) => r.cells.map((c) => c.value));
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
    return rows.map((r) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`);
  }
  const doc = step.argument?.docString;
  if (doc) return ['"""', ...doc.content.split("\n"), '"""'];
  return [];
}

/** The capture groups of a regular expression's source, outermost first. */
function regexpGroups(source: string): string[] {
  const groups: string[] = [];
  const starts: number[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "(") starts.push(source[i + 1] === "?" ? -1 : i);
    else if (c === ")") {
      const start = starts.pop();
      if (start !== undefined && start >= 0) groups.push(source.slice(start, i + 1));
    }
  }
  return groups;
}

function parametersOf(definition: StepDefinition): string[] {
  const source = definition.expression.source;
  if (definition.pattern instanceof RegExp) return regexpGroups(source);
  return [...source.matchAll(/(?<!\\)\{([^{}]*)\}/g)].map((m) => m[1] ?? "");
}

const topicOf = (uri: string): string => basename(uri).replace(/(\.steps)?\.[cm]?[jt]s$/, "");

/** Loads the support code and the scenarios of the default profile and documents every step. */
export async function collectSteps(root: string): Promise<{
  steps: StepDoc[];
  parameterTypes: Map<string, string>;
}> {
  const environment = { cwd: root, env: { ...process.env } };
  const { runConfiguration } = await loadConfiguration({ profiles: [] }, environment);
  const library = (await loadSupport(
    runConfiguration,
    environment,
  )) as unknown as SupportCodeLibrary;
  const used = usedSteps(root, featureFiles(root, runConfiguration.sources.paths));

  const parameterTypes = new Map<string, string>();
  const steps = library.stepDefinitions.map((definition): StepDoc => {
    const uri = relative(root, resolve(root, definition.uri)).split(sep).join("/");
    const matches = used.filter((u) => definition.expression.match(u.step.text) !== null);
    const first = matches[0];
    const parameters = parametersOf(definition);
    if (!(definition.pattern instanceof RegExp)) {
      for (const name of parameters) {
        const type = library.parameterTypeRegistry.lookupByTypeName(name);
        parameterTypes.set(
          name,
          BUILT_IN[name] ??
            `matches \`${type?.regexpStrings.map((r) => `/${r}/`).join(" or ") ?? "?"}\``,
        );
      }
    }
    return {
      topic: topicOf(uri),
      keyword: definition.keyword === "Unknown" ? "Step" : definition.keyword,
      expression: definition.expression.source,
      isRegExp: definition.pattern instanceof RegExp,
      parameters,
      example: first && {
        text: first.step.text,
        where: first.where,
        argument: gherkinArgument(first.step),
      },
      uses: matches.length,
      definedAt: `${uri}:${definition.line}`,
    };
  });
  return { steps, parameterTypes };
}

function topicRank(topic: string): [number, string] {
  const index = TOPIC_ORDER.indexOf(topic);
  return [index < 0 ? TOPIC_ORDER.length : index, topic];
}

/** A table laid out the way the formatter (Biome) lays it out, so the file stays as generated. */
function markdownTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

const code = (text: string): string => (text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``);

/** The Markdown of docs/STEPS.md: stable for the same steps and features (no dates, no counts of time). */
export function renderSteps(steps: StepDoc[], parameterTypes: Map<string, string>): string {
  const topics = [...new Set(steps.map((s) => s.topic))].sort((a, b) => {
    const [ra, na] = topicRank(a);
    const [rb, nb] = topicRank(b);
    return ra - rb || na.localeCompare(nb);
  });
  const out: string[] = [
    "# Step vocabulary",
    "",
    "Every step sentence the scenarios can use, grouped by the step file that defines it, with its",
    "parameters and a real example from `features/`. Generated from the step definitions by",
    "`npm run steps -- --write`; do not edit by hand (a test fails when this file is out of date).",
    "",
    `${steps.length} steps in ${topics.length} topics: ${topics.map((t) => `[${t}](#${t})`).join(", ")}.`,
    "",
    "A step's keyword (Given/When/Then) is how it is defined; `And` and `But` continue the keyword above.",
    "",
  ];
  const typesUsed = [...parameterTypes.keys()].sort();
  if (typesUsed.length > 0) {
    const rows = typesUsed.map((name) => [
      `\`{${name}}\``,
      (parameterTypes.get(name) ?? "").replace(/\|/g, "\\|"),
    ]);
    out.push("## Parameter types", "", ...markdownTable(["Parameter", "Matches"], rows), "");
  }
  for (const topic of topics) {
    const inTopic = steps
      .filter((s) => s.topic === topic)
      .sort((a, b) => a.definedAt.localeCompare(b.definedAt, "en", { numeric: true }));
    const file = inTopic[0]?.definedAt.replace(/:\d+$/, "") ?? "";
    out.push(`## ${topic}`, "", `Defined in \`${file}\`.`, "");
    for (const step of inTopic) {
      const sentence = step.isRegExp ? `/${step.expression}/` : step.expression;
      out.push(`### ${step.keyword} ${code(sentence)}`, "");
      if (step.parameters.length > 0) {
        const params = step.parameters.map((p) => (step.isRegExp ? code(p) : code(`{${p}}`)));
        out.push(`- Parameters: ${params.join(", ")}`);
      } else {
        out.push("- Parameters: none");
      }
      if (step.example) {
        out.push(
          `- Example (${step.example.where}):`,
          "",
          "  ```gherkin",
          `  ${step.keyword} ${step.example.text}`,
          ...step.example.argument.map((line) => `    ${line}`),
          "  ```",
        );
      } else {
        out.push(
          "- Example: no scenario uses this step yet; it reads as written:",
          "",
          "  ```gherkin",
          `  ${step.keyword} ${step.expression}`,
          "  ```",
        );
      }
      out.push(`- Defined at \`${step.definedAt}\``, "");
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

/** docs/STEPS.md as the current step definitions and features would make it. */
export async function generateStepsDoc(root: string): Promise<string> {
  const { steps, parameterTypes } = await collectSteps(root);
  return renderSteps(steps, parameterTypes);
}

async function main(): Promise<void> {
  const root = resolve(__dirname, "..");
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--write");
  if (unknown.length > 0)
    throw new Error(`unknown argument ${unknown[0]}; usage: steps-doc.ts [--write]`);
  const doc = await generateStepsDoc(root);
  if (args.includes("--write")) {
    writeFileSync(join(root, STEPS_DOC), doc);
    console.error(`steps: wrote ${STEPS_DOC}`);
  } else {
    process.stdout.write(doc);
  }
}

if (require.main === module) {
  runMain("steps", main);
}
