import { messageOf } from "./messageOf";

export interface RunMainOptions {
  /** Exit code when `main` throws. Default: 1. */
  failureCode?: number;
  /** The line printed when `main` throws, after `<name>: `. Default: the error's message. */
  explain?: (error: unknown) => string;
  /** Exit at once on failure, for a server whose half-started parts would keep the process alive. */
  exitOnFailure?: boolean;
}

/**
 * Ends an entry point: runs `main`, sets the exit code it returns (0 when it returns nothing), and
 * prints `<name>: <message>` on standard error with `failureCode` when it throws.
 */
export function runMain(
  name: string,
  main: () => Promise<unknown>,
  { failureCode = 1, explain = messageOf, exitOnFailure = false }: RunMainOptions = {},
): void {
  main().then(
    (code) => {
      process.exitCode = typeof code === "number" ? code : 0;
    },
    (error: unknown) => {
      console.error(`${name}: ${explain(error)}`);
      process.exitCode = failureCode;
      if (exitOnFailure) process.exit(failureCode);
    },
  );
}
