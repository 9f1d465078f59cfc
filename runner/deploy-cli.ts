// `tsx runner/deploy-cli.ts [--stack-file F] [--stack NAME] [--destroy|--preview]`: one `pulumi up`
// (or `destroy`, or `preview --diff`) into the local world. Prints what changed (for a preview, the
// preview itself); exits 1 on failure with the CLI's error.
import { deploy } from "./deploy";

async function main(): Promise<number> {
  const arg = (flag: string) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined);
  const report = await deploy({ stackFile: arg("--stack-file"), stack: arg("--stack"), destroy: process.argv.includes("--destroy"), preview: process.argv.includes("--preview") });
  // The engine's own report (for a preview, the preview itself), then the summary.
  if (report.ok) console.log(report.output.trimEnd());
  const changed = Object.entries(report.changes).filter(([, c]) => c !== "same");
  console.log(`deploy (stack ${report.stack}): ${changed.length} resource(s) changed, ${report.remoteCommands.length} remote command(s), ` +
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
