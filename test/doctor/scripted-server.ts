// A scripted SMTP server on 127.0.0.1 for the replies smtp-server will not give: a banner other
// than 220, STARTTLS refused, MAIL FROM refused, a chosen EHLO list before and after TLS. It records
// every command with whether it came over TLS (the password of AUTH is not kept).
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import * as tls from "node:tls";
import type { TestCert } from "./certs";

export interface Script {
  cert: TestCert;
  /** The whole banner line; default `220 <name> ESMTP`. */
  banner?: string;
  name?: string;
  /** EHLO keywords before TLS (default STARTTLS) and after it (default AUTH PLAIN). */
  ehloPlain?: string[];
  ehloTls?: string[];
  /** Whole reply lines; defaults: STARTTLS 220, MAIL 250, RCPT 250, AUTH 235. */
  starttls?: string;
  mail?: string;
  /** MAIL refused until STARTTLS (a server that requires TLS of every client). */
  mailNeedsTls?: boolean;
  rcpt?: string;
  auth?: string;
  /** Decides AUTH PLAIN by its credentials (235 or 535); overrides `auth`. */
  authAccepts?: (user: string, password: string) => boolean;
}

export interface Command {
  line: string;
  tls: boolean;
}

export interface ScriptedServer {
  port: number;
  commands: Command[];
  /** The credentials of each AUTH PLAIN (only for a test to check what a client sent). */
  logins: { user: string; password: string }[];
  /** Whether every client connection has ended within `ms` (false: a client left one open). */
  idle(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function startScriptedServer(s: Script): Promise<ScriptedServer> {
  const name = s.name ?? "mail.example.test";
  const commands: Command[] = [];
  const logins: { user: string; password: string }[] = [];
  const sockets = new Set<net.Socket>();
  const context = tls.createSecureContext({ key: s.cert.key, cert: s.cert.cert });
  const serve = (socket: net.Socket, secure: boolean) => {
    let buf = "";
    const ehlo = (keywords: string[]) => [name, ...keywords].map((l, i, all) => `250${i === all.length - 1 ? " " : "-"}${l}`).join("\r\n");
    const onData = (b: Buffer) => {
      buf += b.toString("latin1");
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, "");
        buf = buf.slice(i + 1);
        const verb = line.split(" ")[0]!.toUpperCase();
        commands.push({ line: verb === "AUTH" ? line.split(" ").slice(0, 2).join(" ") : line, tls: secure });
        const reply = (text: string) => socket.write(`${text}\r\n`);
        if (verb === "EHLO") reply(ehlo(secure ? s.ehloTls ?? ["AUTH PLAIN"] : s.ehloPlain ?? ["STARTTLS"]));
        else if (verb === "STARTTLS") {
          const answer = s.starttls ?? "220 2.0.0 ready to start TLS";
          reply(answer);
          if (answer.startsWith("220")) {
            socket.off("data", onData);
            const secured = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
            secured.on("error", () => undefined);
            sockets.add(secured);
            serve(secured, true);
            return;
          }
        } else if (verb === "MAIL") reply(s.mailNeedsTls && !secure ? "530 5.7.0 must issue a STARTTLS command first" : s.mail ?? "250 2.1.0 ok");
        else if (verb === "RCPT") reply(s.rcpt ?? "250 2.1.5 ok");
        else if (verb === "AUTH") {
          const [, user = "", password = ""] = Buffer.from(line.split(" ")[2] ?? "", "base64").toString("utf8").split("\0");
          logins.push({ user, password });
          if (s.authAccepts) reply(s.authAccepts(user, password) ? "235 2.7.0 authentication succeeded" : "535 5.7.8 authentication failed");
          else reply(s.auth ?? "235 2.7.0 authentication succeeded");
        }
        else if (verb === "RSET") reply("250 2.0.0 ok");
        else if (verb === "QUIT") {
          reply("221 2.0.0 bye");
          socket.end();
        } else reply("502 5.5.1 unrecognised command");
      }
    };
    socket.on("data", onData);
  };
  let open = 0;
  let onIdle = () => {};
  const server = net.createServer((socket) => {
    sockets.add(socket);
    open++;
    socket.on("close", () => {
      if (--open === 0) onIdle();
    });
    socket.on("error", () => undefined);
    socket.write(`${s.banner ?? `220 ${name} ESMTP`}\r\n`);
    serve(socket, false);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    commands,
    logins,
    idle: (ms) => new Promise<boolean>((resolve) => {
      if (open === 0) return resolve(true);
      const timer = setTimeout(() => resolve(false), ms);
      onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    }),
    close: () => new Promise<void>((resolve) => {
      for (const k of sockets) k.destroy();
      server.close(() => resolve());
    }),
  };
}
