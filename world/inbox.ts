// Reader for the gmail.test receiver's inbox (.local/inbox/<id>.json + <id>.eml).
import * as fs from "node:fs";
import * as path from "node:path";
import { INBOX_DIR } from "./config";
import type { InboxRecord } from "./receiver/record";
import { sleep } from "./proc";

export type { InboxRecord } from "./receiver/record";
export type InboxMessage = InboxRecord & { emlPath: string };

/** Complete messages (their .json exists), oldest first. */
export function listMessages(dir = INBOX_DIR): InboxMessage[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(".json"))
    .sort()
    .map((n) => {
      const rec = JSON.parse(fs.readFileSync(path.join(dir, n), "utf8")) as InboxRecord;
      return { ...rec, emlPath: path.join(dir, `${rec.id}.eml`) };
    });
}

/** Waits for the first message matching `predicate`; throws after timeoutMs. */
export async function waitForMessage(
  predicate: (m: InboxMessage) => boolean,
  timeoutMs = 30_000,
  dir = INBOX_DIR,
): Promise<InboxMessage> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const hit = listMessages(dir).find(predicate);
    if (hit) return hit;
    if (Date.now() > end) throw new Error(`no matching message in ${dir} after ${timeoutMs} ms`);
    await sleep(200);
  }
}
