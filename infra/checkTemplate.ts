import { readFileSync } from "node:fs";
import { parseTemplate } from "./cfnYaml";
import { checkProjectRules } from "./projectRules";
import { ServiceSpec } from "./ServiceSpec";
import { checkAgainstSchemas } from "./schemaChecks";
import { type Problem, Template } from "./Template";

export type { Problem };

/**
 * Checks a CloudFormation template offline: against the resource schemas shipped in
 * @aws-cdk/aws-service-spec, then against this project's own rules. Returns no problems when the
 * template is fit to deploy, as far as anything short of a deployment can tell.
 */
export function checkTemplate(templateText: string): Problem[] {
  const parsed = parseTemplate(templateText);
  const problems: Problem[] = parsed.errors.map((message) => ({ path: "template", message }));
  if (parsed.template === undefined) return problems;
  const template = new Template(parsed.template);
  const spec = ServiceSpec.load();
  return [
    ...problems,
    ...checkAgainstSchemas(template, spec),
    ...checkProjectRules(template, spec),
  ];
}

/**
 * `node --require ts-node/register infra/checkTemplate.ts <template.yaml>`: prints one line per
 * problem and returns the exit code (0 clean, 1 problems, 2 usage).
 */
export function runCli(args: string[], print: (line: string) => void): number {
  const [file] = args;
  if (file === undefined || args.length !== 1) {
    print("usage: checkTemplate.ts <template.yaml>");
    return 2;
  }
  const problems = checkTemplate(readFileSync(file, "utf8"));
  for (const problem of problems) print(`${file}: ${problem.path}: ${problem.message}`);
  if (problems.length === 0) print(`${file}: no problems`);
  return problems.length === 0 ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2), (line) => {
    process.stdout.write(`${line}\n`);
  });
}
