// A small SMTP client for probing (RFC 5321 replies, EHLO, STARTTLS, AUTH PLAIN): it never sends
// DATA. Each call waits for one reply, with a timeout.
import * as net from "node:net";
import * as tls from "node:tls";

export interface Reply {
  code: number;
  lines: string[];
}

export const replyText = (r: Reply) => `${r.code} ${r.lines.join(" / ")}`;

export interface TlsFacts {
  protocol: string | null;
  authorized: boolean;
  authorizationError?: string;
  cert?: tls.PeerCertificate;
}

export class SmtpSession {
  private buf = "";
  private replies: Reply[] = [];
  private waiter?: { resolve: (r: Reply) => void; reject: (e: Error) => void };
  private closed?: Error;
  private pending: string[] = [];
  private readonly onData = (b: Buffer) => this.feed(b.toString("latin1"));
  private readonly onEnd = () => this.fail(new Error("connection closed by the server"));
  private readonly onError = (e: Error) => this.fail(e);

  constructor(public socket: net.Socket, private readonly timeoutMs: number) {
    this.attach(socket);
  }

  private attach(s: net.Socket): void {
    s.on("data", this.onData);
    s.on("end", this.onEnd);
    s.on("close", this.onEnd);
    s.on("error", this.onError);
  }

  private detach(s: net.Socket): void {
    s.off("data", this.onData);
    s.off("end", this.onEnd);
    s.off("close", this.onEnd);
    s.off("error", this.onError);
  }

  private fail(e: Error): void {
    this.closed ??= e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(e);
  }

  private feed(text: string): void {
    this.buf += text;
    let i: number;
    while ((i = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, i).replace(/\r$/, "");
      this.buf = this.buf.slice(i + 1);
      const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!m) {
        this.fail(new Error(`not an SMTP reply: ${line.slice(0, 80)}`));
        return;
      }
      this.pending.push(m[3]!);
      if (m[2] !== "-") {
        this.replies.push({ code: Number(m[1]), lines: this.pending });
        this.pending = [];
      }
    }
    const w = this.waiter;
    if (w && this.replies.length > 0) {
      this.waiter = undefined;
      w.resolve(this.replies.shift()!);
    }
  }

  /** The next reply. */
  read(): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no reply within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiter = {
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
  }

  /** Sends one command line and reads its reply. `shown` replaces the line in error messages. */
  async command(line: string): Promise<Reply> {
    if (this.closed) throw this.closed;
    this.socket.write(`${line}\r\n`);
    return this.read();
  }

  /** EHLO; returns the reply and the extension keywords (upper case, first word of each line). */
  async ehlo(name: string): Promise<{ reply: Reply; greeting: string; extensions: string[] }> {
    const reply = await this.command(`EHLO ${name}`);
    if (reply.code !== 250) throw new Error(`EHLO refused: ${replyText(reply)}`);
    const [greeting = "", ...rest] = reply.lines;
    return { reply, greeting, extensions: rest.map((l) => l.trim().toUpperCase()) };
  }

  /** Wraps the current socket in TLS (after `220` to STARTTLS, or at once for port 465). */
  async startTls(options: tls.ConnectionOptions): Promise<TlsFacts> {
    const plain = this.socket;
    this.detach(plain);
    this.buf = "";
    this.replies = [];
    const secure = await tlsHandshake(plain, options, this.timeoutMs);
    this.socket = secure;
    this.closed = undefined;
    this.attach(secure);
    return {
      protocol: secure.getProtocol(),
      authorized: secure.authorized,
      ...(secure.authorizationError ? { authorizationError: String(secure.authorizationError) } : {}),
      cert: secure.getPeerCertificate(),
    };
  }

  close(): void {
    try {
      if (!this.closed && this.socket.writable) this.socket.end("QUIT\r\n");
    } catch {
      /* already gone */
    }
    this.socket.destroy();
  }
}

export function tlsHandshake(socket: net.Socket, options: tls.ConnectionOptions, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ ...options, socket, rejectUnauthorized: false });
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new Error(`TLS handshake timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    secure.once("secureConnect", () => {
      clearTimeout(timer);
      secure.removeAllListeners("error");
      resolve(secure);
    });
    secure.once("error", (e) => {
      clearTimeout(timer);
      secure.destroy();
      reject(e);
    });
  });
}
