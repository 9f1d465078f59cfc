// mailstack send-test: sends one message as a stack user over 465 (implicit TLS, AUTH with the
// stack's password, certificate verified), prints its Message-ID and what to look for in the
// recipient's "show original"; for --stack local waits for the world receiver's verdict.
import { randomBytes } from "node:crypto";
import * as nodemailer from "nodemailer";
import { waitForMessage, type InboxMessage } from "../world/inbox";
import { parseArgs, str } from "./args";
import { LOCAL_STACK, setup, Setup } from "./setup";

export const SEND_TEST_USAGE = `usage: npm run send-test -- --stack NAME --to ADDRESS [--from ADDRESS] [--ca FILE] [--outputs FILE] [--world FILE] [--timeout MS]`;

const bare = (id: string | null | undefined) => (id ?? "").trim().replace(/^<|>$/g, "");

export interface SendPlan {
  from: string;
  password: string;
  to: string;
  host: string;
  /** Where to connect: the host name, or (local) its planned IPv4 address. */
  connectTo: string;
  domain: string;
  selector: string;
  ipv6: string[];
  messageId: string;
}

export function sendPlan(s: Setup, to: string, from?: string): SendPlan {
  const t = s.ctx.targets;
  const user = from ? t.users.find((u) => u.address.toLowerCase() === from.toLowerCase()) : t.users[0];
  if (!user) throw new Error(from ? `${from} is not a user of stack ${s.stack} (users: ${t.users.map((u) => u.address).join(", ")})` : `stack ${s.stack} has no users`);
  const host = t.hosts[0];
  if (!host) throw new Error(`stack ${s.stack} has no hosts`);
  const domain = user.address.slice(user.address.lastIndexOf("@") + 1);
  const d = t.domains.find((x) => x.name === domain);
  const local = s.stack === LOCAL_STACK;
  const settings = s.outputs.smtp.find((x) => x.address === user.address);
  const hostName = settings?.host ?? host.name;
  return {
    from: user.address, password: user.password, to, host: hostName,
    connectTo: local ? (host.ipv4[0] ?? hostName) : hostName,
    domain, selector: d?.dkimSelector ?? "?", ipv6: host.ipv6,
    messageId: `<send-test.${Date.now()}.${randomBytes(6).toString("hex")}@${domain}>`,
  };
}

/** What a person should see in "show original" (Gmail) for this message. */
export function lookFor(p: SendPlan): string[] {
  return [
    `TLS:   Received: from ${p.host} … with ESMTPS (Gmail: "TLS" in the message details)`,
    `SPF:   spf=pass … smtp.mailfrom=${p.from} (or =${p.domain})`,
    `DKIM:  dkim=pass header.i=@${p.domain} header.s=${p.selector} (d=${p.domain}, s=${p.selector})`,
    `DMARC: dmarc=pass … header.from=${p.domain}`,
    p.ipv6.length > 0 ? `IPv6:  the top Received: from ${p.host} line shows [${p.ipv6.join("] or [")}] (mail left over IPv6)` : "IPv6:  (no IPv6 address in the stack)",
  ];
}

export function verdictLines(m: InboxMessage): string[] {
  const dkim = m.auth.dkim.map((d) => `${d.result} (d=${d.domain ?? "?"} s=${d.selector ?? "?"})`).join(", ") || "none";
  return [
    `TLS:   ${m.tls.secure ? `yes, ${m.tls.protocol ?? "?"} ${m.tls.cipher ?? ""}`.trim() : "NO (plain text)"}`,
    `SPF:   ${m.auth.spf.result} (${m.auth.spf.domain ?? "?"})`,
    `DKIM:  ${dkim}`,
    `DMARC: ${m.auth.dmarc.result}${m.auth.dmarc.policy ? ` (p=${m.auth.dmarc.policy})` : ""}`,
    `peer:  ${m.peer.ip} (${m.peer.family}), HELO ${m.helo}`,
  ];
}

export async function sendTestMain(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let a;
  try {
    a = parseArgs(argv, ["stack", "to", "from", "ca", "outputs", "world", "timeout", "resolver"], ["help"]);
  } catch (e) {
    err(`${(e as Error).message}\n${SEND_TEST_USAGE}\n`);
    return 2;
  }
  if (a.flags.help) {
    out(`${SEND_TEST_USAGE}\n`);
    return 0;
  }
  const stack = str(a, "stack");
  const to = str(a, "to");
  if (!stack || !to || !/^[^@\s]+@[^@\s]+$/.test(to)) {
    err(`--stack and --to ADDRESS are required\n${SEND_TEST_USAGE}\n`);
    return 2;
  }
  const timeoutMs = Number(str(a, "timeout") ?? 30_000);
  let s: Setup;
  let plan: SendPlan;
  try {
    s = setup({
      stack,
      ...(str(a, "ca") ? { ca: str(a, "ca")! } : {}),
      ...(str(a, "outputs") ? { outputsFile: str(a, "outputs")! } : {}),
      ...(str(a, "world") ? { worldFile: str(a, "world")! } : {}),
    });
    plan = sendPlan(s, to, str(a, "from"));
  } catch (e) {
    err(`send-test: ${(e as Error).message}\n`);
    return 2;
  }
  const transport = nodemailer.createTransport({
    host: plan.connectTo, port: 465, secure: true,
    auth: { user: plan.from, pass: plan.password },
    tls: { ca: s.ctx.net.ca, servername: plan.host, rejectUnauthorized: true, minVersion: "TLSv1.2" },
    connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs,
  });
  out(`sending as ${plan.from} (password ***) via ${plan.host}:465${plan.connectTo !== plan.host ? ` (${plan.connectTo})` : ""} to ${plan.to}\n`);
  try {
    const info = await transport.sendMail({
      from: plan.from, to: plan.to, messageId: plan.messageId,
      subject: `mailstack send-test ${new Date().toISOString()}`,
      text: `This is a test message from mailstack send-test (stack ${stack}).\nMessage-ID: ${plan.messageId}\n`,
    });
    out(`accepted: ${info.response}\nMessage-ID: ${info.messageId}\n\nIn the recipient's "show original", look for:\n${lookFor(plan).map((l) => `  ${l}`).join("\n")}\n`);
  } catch (e) {
    err(`send-test: sending failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    transport.close();
  }
  if (stack !== LOCAL_STACK || !s.inboxPath) return 0;
  out(`\nwaiting for the world receiver's verdict (up to ${timeoutMs} ms)…\n`);
  try {
    const m = await waitForMessage((x) => bare(x.headers.messageId) === bare(plan.messageId), timeoutMs, s.inboxPath);
    const lines = verdictLines(m);
    out(`received ${m.id}:\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
    const ok = m.tls.secure && m.auth.spf.result === "pass" && m.auth.dkim.some((d) => d.result === "pass") && m.auth.dmarc.result === "pass";
    return ok ? 0 : 1;
  } catch (e) {
    err(`send-test: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  sendTestMain(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: Error) => {
    process.stderr.write(`send-test: ${e.message}\n`);
    process.exitCode = 2;
  });
}
