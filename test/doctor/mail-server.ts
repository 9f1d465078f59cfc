// A stand-in mail host on 127.0.0.1 for the protocol checks: smtp-server on three ephemeral ports
// playing 25 (MX, no AUTH), 465 (implicit TLS + AUTH) and 587 (STARTTLS, AUTH only after TLS),
// with switches for every misbehaviour the doctor must catch.
import type { AddressInfo } from "node:net";
import { SMTPServer, SMTPServerOptions } from "smtp-server";
import type { TestCert } from "./certs";

export interface MailServerOptions {
  name: string;
  cert: TestCert;
  users: Record<string, string>;
  localDomains?: string[];
  authBeforeTls?: boolean;
  noStarttls?: boolean;
  openRelay?: boolean;
  /** Accept TLS 1.0/1.1 (old Go-built chasquid). */
  legacyTls?: boolean;
}

export interface MailServer {
  ports: Record<number, number>;
  /** Usernames that tried AUTH, in order (a client must not send a password it should withhold). */
  auths: string[];
  close(): Promise<void>;
}

export async function startMailServer(o: MailServerOptions): Promise<MailServer> {
  const local = o.localDomains ?? ["example.test"];
  const auths: string[] = [];
  const tlsOpts = o.legacyTls ? { minVersion: "TLSv1" as const, ciphers: "DEFAULT@SECLEVEL=0" } : { minVersion: "TLSv1.2" as const };
  const common: SMTPServerOptions = {
    name: o.name, key: o.cert.key, cert: o.cert.cert, ...tlsOpts, authMethods: ["PLAIN"], logger: false, disableReverseLookup: true,
    onAuth(auth, _session, cb) {
      auths.push(auth.username ?? "");
      if (auth.username && o.users[auth.username] === auth.password) return cb(null, { user: auth.username });
      return cb(Object.assign(new Error("5.7.8 authentication failed"), { responseCode: 535 }));
    },
    onRcptTo(address, session, cb) {
      const domain = address.address.slice(address.address.lastIndexOf("@") + 1).toLowerCase();
      if (o.openRelay || session.user || local.includes(domain)) return cb();
      return cb(Object.assign(new Error("5.7.1 relay not allowed"), { responseCode: 550 }));
    },
    onData(stream, _s, cb) {
      stream.resume();
      stream.on("end", () => cb());
    },
  };
  const noStarttls = o.noStarttls ? ["STARTTLS"] : [];
  const servers = {
    25: new SMTPServer({ ...common, authOptional: true, disabledCommands: ["AUTH", ...noStarttls] }),
    465: new SMTPServer({ ...common, secure: true }),
    587: new SMTPServer({
      ...common, disabledCommands: noStarttls, allowInsecureAuth: !!o.authBeforeTls,
      onConnect(session, cb) {
        session.disabledCommands = [...(o.authBeforeTls ? [] : ["AUTH"]), ...noStarttls];
        cb();
      },
      onSecure(_socket, session, cb) {
        session.disabledCommands = [];
        cb();
      },
    }),
  };
  const ports: Record<number, number> = {};
  for (const [port, server] of Object.entries(servers)) {
    server.on("error", () => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    ports[Number(port)] = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  }
  return {
    ports,
    auths,
    close: () => Promise.all(Object.values(servers).map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined),
  };
}
