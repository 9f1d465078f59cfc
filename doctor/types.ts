// The doctor's vocabulary: one result per check and target.
export type Status = "pass" | "warn" | "fail";

export interface CheckResult {
  /** Stable check id, e.g. `dns.spf` (see doctor/README.md). */
  id: string;
  /** What was checked: a host, address, address:port or domain. */
  target: string;
  status: Status;
  /** What the doctor saw (never a secret). */
  observed: string;
  /** What it should be. */
  expected: string;
  /** One line: how to fix it (empty when it passes). */
  fix: string;
}

export const result = (id: string, target: string, status: Status, observed: string, expected: string, fix = ""): CheckResult =>
  ({ id, target, status, observed, expected, fix: status === "pass" ? "" : fix });
