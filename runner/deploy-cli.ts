// `tsx runner/deploy-cli.ts [--stack-file F] [--destroy]`: one deploy into the local world (a process
// per deploy, like `pulumi up`; `--destroy` like `pulumi destroy`). Prints what changed; exits 1 on
// failure with the (redacted) error.
import { deploy } from "./deploy";

async function main(): Promise<number> {
  const i = process.argv.indexOf("--stack-file");
  const report = await deploy({ stackFile: i > 0 ? process.argv[i + 1] : undefined, destroy: process.argv.includes("--destroy") });
  const changed = Object.entries(report.changes).filter(([, c]) => c !== "same");
  console.log(`deploy: ${changed.length} resource(s) changed, ${report.remoteCommands.length} remote command(s), ` +
    `${report.dnsChanges.length} DNS change(s), ${(report.durationMs / 1000).toFixed(1)} s`);
  for (const [name, change] of changed) console.log(`  ${change.padEnd(7)} ${name}`);
  if (!report.ok) {
    console.error(`deploy failed:\n${report.error}`);
    return 1;
  }
  return 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
