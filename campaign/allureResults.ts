import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface AllureAttachment {
  name: string;
  body: string;
  /** e.g. "text/plain", "image/svg+xml", "application/json". */
  type: string;
  extension: string;
}

export interface AllureTestResult {
  name: string;
  fullName: string;
  status: "passed" | "failed" | "broken";
  /** Epoch milliseconds. */
  start: number;
  stop: number;
  labels: Record<string, string>;
  parameters: Record<string, string>;
  description?: string;
  statusMessage?: string;
  attachments: AllureAttachment[];
}

/**
 * Writes one test result in Allure's results format (`<uuid>-result.json` and one
 * `<uuid>-attachment.<ext>` file per attachment), which `npm run report` renders as it renders the
 * scenarios' results.
 */
export function writeAllureResult(resultsDir: string, result: AllureTestResult): string {
  mkdirSync(resultsDir, { recursive: true });
  const uuid = randomUUID();
  const attachments = result.attachments.map((a) => {
    const source = `${randomUUID()}-attachment.${a.extension}`;
    writeFileSync(join(resultsDir, source), a.body);
    return { name: a.name, source, type: a.type };
  });
  const json = {
    uuid,
    historyId: result.fullName,
    testCaseId: result.fullName,
    name: result.name,
    fullName: result.fullName,
    status: result.status,
    stage: "finished",
    start: result.start,
    stop: result.stop,
    description: result.description,
    statusDetails: result.statusMessage ? { message: result.statusMessage } : {},
    labels: Object.entries(result.labels).map(([name, value]) => ({ name, value })),
    parameters: Object.entries(result.parameters).map(([name, value]) => ({ name, value })),
    attachments,
    steps: [],
  };
  const file = join(resultsDir, `${uuid}-result.json`);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  return file;
}
