// Rendering (table, JSON), exit status, expiry thresholds, and the CLI's usage errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import { doctorMain } from "../../doctor/cli";
import { expiryVerdict } from "../../doctor/checks/smtp";
import { exitStatus, renderJson, renderTable, summarise } from "../../doctor/report";
import { sendTestMain } from "../../doctor/send-test";
import { CheckResult, result } from "../../doctor/types";

const results: CheckResult[] = [
  result("dns.a", "mail.example.test", "pass", "192.0.2.10", "192.0.2.10", "publish A"),
  result("rdns.ptr", "2001:db8:78::10", "fail", "no PTR", "PTR mail.example.test", "set the PTR in the panel"),
  result("reputation.zen", "192.0.2.10", "warn", "unknown: DNS EREFUSED", "not listed", "use your own resolver"),
];

test("table: aligned columns, fix under failing rows, summary line", () => {
  const t = renderTable(results);
  const lines = t.split("\n");
  assert.match(lines[0]!, /^CHECK\s+TARGET\s+STATUS\s+OBSERVED\s+EXPECTED \/ FIX$/);
  const col = (needle: string) => lines.map((l) => l.indexOf(needle));
  const statusCol = lines[0]!.indexOf("STATUS");
  for (const mark of ["PASS", "FAIL", "WARN"]) assert.equal(lines.find((l) => l.includes(` ${mark} `))!.indexOf(mark), statusCol, mark);
  const observedCol = lines[0]!.indexOf("OBSERVED");
  assert.equal(lines.find((l) => l.startsWith("rdns.ptr"))!.indexOf("no PTR"), observedCol);
  const fixes = lines.filter((l) => l.trim().startsWith("fix: "));
  assert.deepEqual(fixes.map((l) => l.trim()), ["fix: set the PTR in the panel", "fix: use your own resolver"]);
  assert.ok(col("fix:").some((i) => i > 0));
  assert.match(t, /1 pass, 1 warn, 1 fail\n$/);
  assert.equal(result("x", "y", "pass", "o", "e", "never shown").fix, "", "a pass carries no fix");
});

test("JSON: summary, ok flag, every field of every check", () => {
  const j = JSON.parse(renderJson("prod", results, new Date("2026-01-01T00:00:00Z")));
  assert.equal(j.stack, "prod");
  assert.equal(j.checkedAt, "2026-01-01T00:00:00.000Z");
  assert.deepEqual(j.summary, { pass: 1, warn: 1, fail: 1 });
  assert.equal(j.ok, false);
  assert.deepEqual(Object.keys(j.checks[1]).sort(), ["expected", "fix", "id", "observed", "status", "target"]);
});

test("exit status: 0 unless something fails (warn is fine)", () => {
  assert.equal(exitStatus(results), 1);
  assert.equal(exitStatus(results.filter((r) => r.status !== "fail")), 0);
  assert.equal(exitStatus([]), 0);
  assert.deepEqual(summarise([]), { pass: 0, warn: 0, fail: 0 });
});

test("certificate expiry: warn under 14 days, fail under 3 or expired", () => {
  const now = new Date("2026-06-01T00:00:00Z");
  const at = (days: number) => new Date(now.getTime() + days * 86_400_000);
  const table: [number, string][] = [[90, "pass"], [14, "pass"], [13.5, "warn"], [3, "warn"], [2.9, "fail"], [0.5, "fail"], [-1, "fail"]];
  for (const [days, status] of table) assert.equal(expiryVerdict(at(days), now).status, status, `${days} days`);
  assert.equal(expiryVerdict(at(20), now).days, 20);
});

test("CLI: usage errors exit 2 without touching the network", async () => {
  const run = async (argv: string[], main = doctorMain) => {
    let out = "";
    let err = "";
    const code = await main(argv, (s) => { out += s; }, (s) => { err += s; });
    return { code, out, err };
  };
  assert.equal((await run([])).code, 2);
  assert.match((await run([])).err, /--stack is required/);
  assert.equal((await run(["--stack", "x", "--bogus"])).code, 2);
  assert.equal((await run(["--stack", "x", "--only", "dns,nope"])).code, 2);
  assert.equal((await run(["--stack", "x", "--outputs", "/nonexistent/outputs.json"])).code, 2);
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /--stack NAME/);
  assert.equal((await run(["--stack", "x"], sendTestMain)).code, 2);
  assert.equal((await run(["--stack", "x", "--to", "not-an-address"], sendTestMain)).code, 2);
});
