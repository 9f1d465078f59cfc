// Submits messages one after another while a test deploys (its deploys block the test's own event
// loop, so the sending runs in this separate process). Started by `startMailLoop`:
//   node --import tsx test/e2e/mail-loop.ts   (settings as JSON on stdin: the password stays off argv)
// Appends one JSON line per attempt to `outFile`: accepted (250) or the error; stops when `stopFile` exists.
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { submission } from "../../runner/local-mail";

export interface MailLoopSettings {
  user: string;
  password: string;
  to: string;
  servername: string;
  intervalMs: number;
  outFile: string;
  stopFile: string;
}

export interface MailLoopAttempt {
  n: number;
  /** When the submission started and ended (ms since the epoch). */
  startedAt: number;
  endedAt: number;
  /** Set when the server accepted the message with 250. */
  messageId?: string;
  error?: string;
}

async function main(): Promise<void> {
  const s = JSON.parse(readFileSync(0, "utf8")) as MailLoopSettings;
  for (let n = 1; !existsSync(s.stopFile); n++) {
    const startedAt = Date.now();
    const attempt: MailLoopAttempt = { n, startedAt, endedAt: 0 };
    try {
      const info = await submission(587, s.user, s.password, { servername: s.servername })
        .sendMail({ from: s.user, to: s.to, subject: `mail loop ${n}`, text: `message ${n}\n` });
      attempt.messageId = info.messageId;
    } catch (e) {
      attempt.error = (e as Error).message;
    }
    attempt.endedAt = Date.now();
    appendFileSync(s.outFile, `${JSON.stringify(attempt)}\n`);
    await new Promise((r) => setTimeout(r, s.intervalMs));
  }
}

/** Starts the loop in its own process; `stop` ends it after its current attempt and returns every attempt. */
export function startMailLoop(settings: Omit<MailLoopSettings, "outFile" | "stopFile">, dir: string): { stop(): Promise<MailLoopAttempt[]> } {
  const outFile = join(dir, "mail-loop.jsonl");
  const stopFile = join(dir, "mail-loop.stop");
  rmSync(outFile, { force: true });
  rmSync(stopFile, { force: true });
  const child = spawn(process.execPath, ["--import", "tsx", __filename], { stdio: ["pipe", "inherit", "inherit"] });
  child.stdin.end(JSON.stringify({ ...settings, outFile, stopFile } satisfies MailLoopSettings));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    async stop() {
      writeFileSync(stopFile, "");
      await exited;
      return existsSync(outFile) ? readFileSync(outFile, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as MailLoopAttempt) : [];
    },
  };
}

if (require.main === module) void main();
