// mailstack doctor: checks a deployed stack from outside (DNS, reverse DNS, SMTP/TLS, security,
// reputation) and prints a table (or --json). Exit 0 when nothing fails, 1 when something does,
// 2 on a usage or setup error.
import { parseArgs, str } from "./args";
import { renderJson, renderTable, exitStatus } from "./report";
import { GROUPS, Group, runDoctor } from "./run";
import { setup } from "./setup";

export const DOCTOR_USAGE = `usage: npm run doctor -- --stack NAME [--json] [--resolver IP[,IP]] [--ca FILE]
                          [--only dns,rdns,smtp,security,reputation] [--timeout MS] [--outputs FILE] [--world FILE]
  --stack local   reads .local/outputs.json; resolver = world DNS, --ca = pebble's root (.local/world.json)`;

export async function doctorMain(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let a;
  try {
    a = parseArgs(argv, ["stack", "resolver", "ca", "only", "timeout", "outputs", "world"], ["json", "help"]);
  } catch (e) {
    err(`${(e as Error).message}\n${DOCTOR_USAGE}\n`);
    return 2;
  }
  if (a.flags.help) {
    out(`${DOCTOR_USAGE}\n`);
    return 0;
  }
  const stack = str(a, "stack");
  if (!stack) {
    err(`--stack is required\n${DOCTOR_USAGE}\n`);
    return 2;
  }
  const only = str(a, "only")?.split(",").map((g) => g.trim()) as Group[] | undefined;
  const bad = (only ?? []).filter((g) => !GROUPS.includes(g));
  if (bad.length > 0) {
    err(`unknown check group(s): ${bad.join(", ")} (groups: ${GROUPS.join(", ")})\n`);
    return 2;
  }
  let s;
  try {
    const resolver = (a.repeated.resolver ?? []).flatMap((r) => r.split(",")).filter(Boolean);
    const timeout = str(a, "timeout");
    s = setup({
      stack,
      ...(resolver.length > 0 ? { resolver } : {}),
      ...(str(a, "ca") ? { ca: str(a, "ca")! } : {}),
      ...(str(a, "outputs") ? { outputsFile: str(a, "outputs")! } : {}),
      ...(str(a, "world") ? { worldFile: str(a, "world")! } : {}),
      ...(timeout ? { timeoutMs: Number(timeout) } : {}),
    });
  } catch (e) {
    err(`doctor: ${(e as Error).message}\n`);
    return 2;
  }
  const results = await runDoctor(s.ctx, only ?? GROUPS);
  out(a.flags.json ? renderJson(stack, results, s.ctx.now) : renderTable(results));
  return exitStatus(results);
}

if (require.main === module) {
  doctorMain(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: Error) => {
    process.stderr.write(`doctor: ${e.message}\n`);
    process.exitCode = 2;
  });
}
