export {
  type CheckResult,
  type CheckStatus,
  type DoctorOptions,
  exitCodeOf,
  formatResult,
  runChecks,
} from "./checks";
