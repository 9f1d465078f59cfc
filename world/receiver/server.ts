// mx.gmail.test: a receiving MX that checks SPF/DKIM/DMARC of every message against the
// world's DNS (mailauth), prepends Authentication-Results and stores it in the inbox.
// Run inside netns msw-gmail: node --import tsx world/receiver/server.ts <config.json>
import { randomBytes } from "node:crypto";
import { Resolver } from "node:dns/promises";
import * as fs from "node:fs";
import * as path from "node:path";
import { authenticate } from "mailauth";
import { SMTPServer, SMTPServerSession } from "smtp-server";
import { headerField, headerValue, InboxRecord, normalizePeer } from "./record";

export interface ReceiverConfig {
  key: string;
  cert: string;
  inbox: string;
  dnsServer: string;
  mta: string;
  port: number;
}

const cfg = JSON.parse(fs.readFileSync(process.argv[2] ?? "", "utf8")) as ReceiverConfig;
fs.mkdirSync(cfg.inbox, { recursive: true });

const dns = new Resolver({ timeout: 2000, tries: 2 });
dns.setServers([cfg.dnsServer]);
const resolver = (name: string, type: string) => dns.resolve(name, type) as Promise<string[] | string[][]>;

const protocols = new Map<string, string | null>();

function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

async function handle(raw: Buffer, s: SMTPServerSession): Promise<string> {
  const peer = normalizePeer(s.remoteAddress);
  const sender = s.envelope.mailFrom ? s.envelope.mailFrom.address : "";
  const res = await authenticate(raw, { ip: peer.ip, helo: s.hostNameAppearsAs, sender, mta: cfg.mta, resolver });
  const arHeader = headerField(res.headers, "Authentication-Results");
  const id = `${Date.now()}-${randomBytes(4).toString("hex")}`;
  const headersBlock = res.headers.replace(/\r?\n/g, "\r\n");
  writeAtomic(path.join(cfg.inbox, `${id}.eml`), Buffer.concat([Buffer.from(headersBlock), raw]));
  const spf = res.spf || null;
  const dmarc = res.dmarc || null;
  const cipher = s.tlsOptions ? s.tlsOptions.name : null;
  const rec: InboxRecord = {
    id,
    receivedAt: new Date().toISOString(),
    peer,
    helo: s.hostNameAppearsAs,
    tls: { secure: s.secure, protocol: protocols.get(s.id) ?? null, cipher },
    envelope: { mailFrom: sender, rcptTo: s.envelope.rcptTo.map((r) => r.address) },
    headers: {
      from: headerValue(raw, "From"),
      subject: headerValue(raw, "Subject"),
      messageId: headerValue(raw, "Message-ID"),
    },
    auth: {
      spf: { result: spf?.status.result ?? "none", domain: spf?.domain ?? null },
      // mailauth reports an unsigned message as one "none" result without a domain: that is no signature.
      dkim: res.dkim.results.filter((d) => d.signingDomain).map((d) => ({
        result: d.status.result,
        domain: d.signingDomain ?? null,
        selector: d.selector ?? null,
        algorithm: (d as { algo?: string }).algo ?? null,
      })),
      dmarc: { result: dmarc?.status.result ?? "none", policy: dmarc?.policy ?? null },
      header: arHeader,
    },
  };
  // The .json goes last: its presence means the record is complete.
  writeAtomic(path.join(cfg.inbox, `${id}.json`), `${JSON.stringify(rec, null, 2)}\n`);
  return id;
}

const server = new SMTPServer({
  name: cfg.mta,
  banner: "mx.gmail.test world receiver",
  key: fs.readFileSync(cfg.key),
  cert: fs.readFileSync(cfg.cert),
  authOptional: true,
  disabledCommands: ["AUTH"], // an MX does not offer AUTH
  size: 25 * 1024 * 1024,
  logger: false,
  onSecure(socket, session, cb) {
    protocols.set(session.id, (socket as unknown as { getProtocol(): string | null }).getProtocol());
    cb();
  },
  onClose(session) {
    protocols.delete(session.id);
  },
  onRcptTo(addr, _s, cb) {
    if (/@gmail\.test$/i.test(addr.address)) return cb();
    const err = Object.assign(new Error("5.7.1 relaying denied"), { responseCode: 550 });
    cb(err);
  },
  onData(stream, session, cb) {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      handle(Buffer.concat(chunks), session).then(
        (id) => cb(null, `2.0.0 OK ${id}`),
        (e: Error) => {
          console.error("receiver: store failed:", e);
          cb(new Error(`451 4.3.0 ${e.message}`));
        },
      );
    });
  },
});
server.on("error", (e) => console.error("receiver:", e.message));
server.listen(cfg.port, "::", () => console.log(`receiver: listening on [::]:${cfg.port}`));
const stop = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref(); // do not wait for idle clients
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
