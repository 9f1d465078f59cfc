// The world CLI and deploys as separate processes, the way a person runs them (a deploy evaluates
// the program once per process, like `pulumi up`).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DeployReport, LOCAL, ROOT } from "./deploy";

const TSX = join(ROOT, "node_modules", ".bin", "tsx");

/** Runs a project script with tsx; `show` streams its output to this terminal instead of capturing it. */
export function runScript(script: string, args: string[], options: { show?: boolean; timeoutMs?: number } = {}): { status: number; output: string } {
  const r = spawnSync(TSX, [join(ROOT, script), ...args], {
    cwd: ROOT, encoding: "utf8", timeout: options.timeoutMs ?? 10 * 60_000, stdio: options.show ? "inherit" : "pipe",
  });
  return { status: r.status ?? 1, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

export function world(...args: string[]): string {
  const r = runScript("world/cli.ts", args);
  if (r.status !== 0) throw new Error(`world ${args.join(" ")} failed:\n${r.output}`);
  return r.output;
}

/** One deploy in its own process; returns its report and what it printed. */
export function deployProcess(stackFile?: string, extra: string[] = []): DeployReport & { output: string } {
  const r = runScript("runner/deploy-cli.ts", [...(stackFile ? ["--stack-file", stackFile] : []), ...extra]);
  const report = JSON.parse(readFileSync(join(LOCAL, "deploy-report.json"), "utf8")) as DeployReport;
  return { ...report, output: r.output };
}
