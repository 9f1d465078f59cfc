// Rendering: an aligned table for people, JSON for machines, and the exit status.
import type { CheckResult, Status } from "./types";

export interface Summary {
  pass: number;
  warn: number;
  fail: number;
}

export function summarise(results: CheckResult[]): Summary {
  const s: Summary = { pass: 0, warn: 0, fail: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/** 0 when nothing fails (warnings are fine), 1 otherwise. */
export const exitStatus = (results: CheckResult[]) => (results.some((r) => r.status === "fail") ? 1 : 0);

const MARK: Record<Status, string> = { pass: "PASS", warn: "WARN", fail: "FAIL" };
const MAX_OBSERVED = 70;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * One line per result: check, target, status, observed, expected; a non-passing result gets its
 * fix on the next line, under the observed column.
 */
export function renderTable(results: CheckResult[]): string {
  const rows = results.map((r) => ({ ...r, observed: clip(r.observed.replace(/\s+/g, " "), MAX_OBSERVED) }));
  const header = { id: "CHECK", target: "TARGET", status: "STATUS", observed: "OBSERVED", expected: "EXPECTED / FIX" };
  const w = {
    id: Math.max(header.id.length, ...rows.map((r) => r.id.length)),
    target: Math.max(header.target.length, ...rows.map((r) => r.target.length)),
    status: 6,
    observed: Math.max(header.observed.length, ...rows.map((r) => r.observed.length)),
  };
  const line = (id: string, target: string, status: string, observed: string, rest: string) =>
    `${id.padEnd(w.id)}  ${target.padEnd(w.target)}  ${status.padEnd(w.status)}  ${observed.padEnd(w.observed)}  ${rest}`.trimEnd();
  const out = [line(header.id, header.target, header.status, header.observed, header.expected)];
  for (const r of rows) {
    out.push(line(r.id, r.target, MARK[r.status], r.observed, r.expected));
    if (r.status !== "pass" && r.fix) out.push(`${" ".repeat(w.id + w.target + w.status + w.observed + 8)}fix: ${r.fix}`);
  }
  const s = summarise(results);
  out.push("", `${s.pass} pass, ${s.warn} warn, ${s.fail} fail`);
  return `${out.join("\n")}\n`;
}

export function renderJson(stack: string, results: CheckResult[], now: Date): string {
  return `${JSON.stringify({ stack, checkedAt: now.toISOString(), summary: summarise(results), ok: exitStatus(results) === 0, checks: results }, null, 2)}\n`;
}
