// `npm run local [-- preview|destroy] [--os debian12] [--config Pulumi.<stack>.yaml]`: the whole system
// on this machine. Brings the local world up (if it is not), deploys the real program into it with `pulumi up`, sends a test message from the first user, and
// prints what was published and what the receiving side made of the message. `npm run local -- down`
// stops the world. Needs root (network namespaces, systemd-nspawn).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { waitForMessage } from "../world/inbox";
import { readWorld } from "../world/state";
import { outputsFileOf, ROOT, stackNameOf } from "./deploy";
import type { DnsRecordPlan } from "../plans/dns";
import type { SmtpSettings } from "../program";
import { submission, verdict } from "./local-mail";
import { spawnSync } from "node:child_process";
import { INSTALL_COMMAND, missingHostProgramsMessage } from "../world/host-programs";
import { runScript } from "./processes";

function step(title: string, script: string, args: string[]): void {
  console.log(`\n== ${title}`);
  const r = runScript(script, args, { show: true });
  if (r.status !== 0) throw new Error(`${title} failed (exit ${r.status})`);
}

function worldIsUp(): boolean {
  try {
    readWorld();
  } catch {
    return false;
  }
  return runScript("world/cli.ts", ["status"]).status === 0;
}

async function main(args: string[]): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("npm run local needs root: it builds network namespaces and boots a container (sudo npm run local)");
  if (args[0] === "down") {
    step("stopping the local world", "world/cli.ts", ["down"]);
    return;
  }
  // A fresh machine: install the Debian packages the world runs on, saying what and why.
  const missing = missingHostProgramsMessage();
  if (missing) {
    console.log(`== ${missing.replace(/; install them with: .*$/, "")}: installing them (setup/install-host-deps.sh)`);
    const r = spawnSync("bash", [join(ROOT, "setup", "install-host-deps.sh")], { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`could not install them (exit ${r.status}): run ${INSTALL_COMMAND} and look at its output`);
  }
  const os = args.includes("--os") ? ["--os", args[args.indexOf("--os") + 1]] : [];
  if (!worldIsUp()) step("bringing the local world up", "world/cli.ts", ["up", ...os]);
  else console.log("== the local world is up");
  // The real engine, built once from Go modules into its cache (about an hour the first time).
  console.log("\n== the Pulumi engine (engine/build.sh)");
  const built = spawnSync("bash", [join(ROOT, "engine", "build.sh")], { stdio: ["ignore", "ignore", "inherit"] });
  if (built.status !== 0) throw new Error(`building the engine failed (exit ${built.status}): see above`);
  const stackFile = args.includes("--config") ? args[args.indexOf("--config") + 1] : "Pulumi.local.yaml";
  const stackArgs = ["--stack-file", join(ROOT, stackFile)];
  // `preview` and `destroy` stop after the engine's own report.
  if (args[0] === "preview" || args[0] === "destroy") {
    step(`pulumi ${args[0]} of the stack ${stackNameOf(stackFile)} (${stackFile}) in the world`, "runner/deploy-cli.ts", [...stackArgs, `--${args[0]}`]);
    return;
  }
  step(`deploying the stack ${stackNameOf(stackFile)} (${stackFile}) into the world with pulumi up`, "runner/deploy-cli.ts", stackArgs);

  const outputs = JSON.parse(readFileSync(outputsFileOf(stackNameOf(stackFile)), "utf8")) as {
    records: DnsRecordPlan[]; smtp: SmtpSettings[]; smtpPasswords: Record<string, string>;
  };
  const stack = parse(readFileSync(join(ROOT, stackFile), "utf8")) as { config: { "mailstack:domains": { aliases: Record<string, string> }[] } };
  const sender = outputs.smtp[0];
  const forwardTo = stack.config["mailstack:domains"][0].aliases["*"].split(",")[0].trim();
  const external = "someone@gmail.test";
  console.log(`\n== sending a test message from ${sender.address} to ${forwardTo} and ${external}`);
  const info = await submission(465, sender.username, outputs.smtpPasswords[sender.address]).sendMail({
    from: sender.address, to: [forwardTo, external], subject: "mailstack test message",
    text: "Sent by npm run local: if you can read this, the server sends signed, encrypted mail.\n",
  });
  const message = await waitForMessage((m) => m.headers.messageId === info.messageId, 60_000);

  console.log("\n== DNS records published");
  for (const r of outputs.records) {
    console.log(`  ${r.type.padEnd(4)} ${r.name.padEnd(34)} ${r.priority !== undefined ? `${r.priority} ` : ""}${r.content.length > 70 ? `${r.content.slice(0, 67)}...` : r.content}`);
  }
  console.log("\n== SMTP settings (Gmail: Settings → Accounts → Send mail as)");
  for (const s of outputs.smtp) {
    console.log(`  ${s.address}: server ${s.host}, port ${s.port} (SSL) or ${s.alternatePort} (TLS), username ${s.username}, password: npm run pulumi -- stack output --stack ${stackNameOf(stackFile)} --show-secrets smtpPasswords`);
  }
  console.log("\n== what the receiver (mx.gmail.test) saw");
  console.log(`  ${message.envelope.rcptTo.join(", ")}: ${verdict(message)}`);
  const passed = message.tls.secure && message.auth.spf.result === "pass" && message.auth.dmarc.result === "pass"
    && message.auth.dkim.some((d) => d.result === "pass");
  console.log(passed ? "\nAll good: TLS, SPF, DKIM and DMARC pass. The world keeps running; stop it with: npm run local -- down"
    : "\nSomething did not pass: see above.");
  if (!passed) process.exitCode = 1;
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`\nnpm run local: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
