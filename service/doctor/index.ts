export {
  type CheckResult,
  type DoctorOptions,
  exitCodeOf,
  formatResult,
  runChecks,
  type Verdict,
} from "./checks";
