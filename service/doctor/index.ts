export {
  type CheckResult,
  type DoctorOptions,
  exitCodeOf,
  formatResult,
  runChecks,
  type CheckStatus,
} from "./checks";
