// Helpers for end-to-end tests in the local world: run the world CLI and deploys as separate
// processes (as a person would), talk SMTP to the vps, read the receiver's inbox.
import { readFileSync } from "node:fs";
import { connect as netConnect, Socket } from "node:net";
import { join } from "node:path";
import nodemailer from "nodemailer";
import type { DnsRecordPlan } from "../../plans/dns";
import type { SmtpSettings } from "../../program";
import { LOCAL } from "../../runner/deploy";
import { deployProcess, world } from "../../runner/processes";
import { acmeRoot, submission } from "../../runner/local-mail";
import { readWorld, vpsExec } from "../../world/state";

export { acmeRoot, submission };
export { LOCAL, world };

/** A deploy of the local stack; `stackFile` is a variant of its config (Pulumi.local-<x>.yaml). */
export const deploy = (stackFile?: string, extra: string[] = []) => deployProcess(stackFile, ["--stack", "local", ...extra]);

export interface LocalOutputs {
  records: DnsRecordPlan[];
  smtp: SmtpSettings[];
  smtpPasswords: Record<string, string>;
  dkim: Record<string, { selector: string; recordName: string }>;
  hosts: Record<string, { facts: { os: string; chasquid: string; dkim: string }; hostKey: string; reverseDns: string; verification: string }>;
  dkimRotation: Record<string, { phase: string; signingSelector: string; next: string }>;
}

export const outputs = (): LocalOutputs => JSON.parse(readFileSync(join(LOCAL, "outputs.json"), "utf8")) as LocalOutputs;


export async function onVps(cmd: string): Promise<string> {
  const r = await vpsExec(cmd, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`vps: ${cmd}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}


/** Plain SMTP to the vps's port 25 as another mail server would (STARTTLS when offered). */
export function inbound() {
  const w = readWorld();
  return nodemailer.createTransport({
    host: w.hosts.vps.ipv4, port: 25, secure: false, name: "mx.world.test",
    tls: { ca: [acmeRoot(w)], servername: w.vps.hostname }, connectionTimeout: 15_000,
  });
}

/** A line-by-line SMTP conversation: send a command, get the full (multi-line) reply. */
export class SmtpDialogue {
  private buffer = "";
  private waiting: ((reply: string) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      const m = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n$/.exec(this.buffer);
      if (m && this.waiting) {
        const reply = this.buffer;
        this.buffer = "";
        const done = this.waiting;
        this.waiting = undefined;
        done(reply);
      }
    });
  }

  static async open(host: string, port: number): Promise<{ dialogue: SmtpDialogue; greeting: string }> {
    const socket = netConnect({ host, port });
    const dialogue = new SmtpDialogue(socket);
    const greeting = await dialogue.reply();
    return { dialogue, greeting };
  }

  private reply(): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no SMTP reply; got so far: ${this.buffer}`)), 20_000);
      this.waiting = (r) => { clearTimeout(timer); resolve(r); };
    });
  }

  send(line: string): Promise<string> {
    const reply = this.reply();
    this.socket.write(`${line}\r\n`);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Checksums of every file mailstack writes on the vps, and chasquid's process id. */
export async function vpsFingerprint(): Promise<{ files: string; chasquidPid: string }> {
  const files = await onVps("find /etc/chasquid /etc/letsencrypt/live /etc/letsencrypt/renewal-hooks /etc/mailstack " +
    "/etc/systemd/system/mailstack-firewall.service /etc/apt/apt.conf.d/20auto-upgrades -type f -print0 2>/dev/null " +
    "| sort -z | xargs -0 sha256sum; stat -c '%n %a %U:%G' /etc/chasquid/domains/*/*");
  const chasquidPid = (await onVps("systemctl show -p MainPID --value chasquid")).trim();
  return { files, chasquidPid };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
