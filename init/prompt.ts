// Questions at the terminal (node:readline): plain answers with a default, hidden answers for
// secrets (nothing echoed), yes/no. Tests give init a scripted Prompter instead.
import { createInterface } from "node:readline";
import { Writable } from "node:stream";

/** One question at a time: each call waits for the answer before the next is asked. */
export interface Prompter {
  /** The typed answer, trimmed; the fallback when the answer is empty. */
  ask(question: string, fallback?: string): Promise<string>;
  /** An answer that is not echoed (tokens, passwords). */
  secret(question: string): Promise<string>;
  /** True for y or yes; anything else is no. */
  confirm(question: string): Promise<boolean>;
  close(): void;
}

export class PromptClosed extends Error {
  override name = "PromptClosed";
}

/** A Prompter on a terminal. Ctrl-C stops init (before it writes anything, prompts come first). */
export function terminalPrompter(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Prompter {
  let muted = false;
  // readline echoes each typed key to its output: a sink that drops it while a secret is typed.
  const sink = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) output.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input, output: sink, terminal: true });
  // Lines typed (or pasted) ahead of their question wait here, in order.
  const typed: string[] = [];
  let waiting: { resolve: (l: string) => void; reject: (e: Error) => void } | undefined;
  let closed = false;
  rl.on("line", (l) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w.resolve(l);
    } else typed.push(l);
  });
  rl.on("close", () => {
    closed = true;
    waiting?.reject(new PromptClosed("input closed before an answer"));
  });
  rl.on("SIGINT", () => {
    output.write("\ninit: interrupted\n");
    process.exit(130);
  });
  const line = (prompt: string) => {
    rl.setPrompt(prompt);
    rl.prompt();
    if (typed.length > 0) return Promise.resolve(typed.shift()!);
    if (closed) return Promise.reject(new PromptClosed("input closed before an answer"));
    return new Promise<string>((resolve, reject) => { waiting = { resolve, reject }; });
  };
  return {
    async ask(question, fallback) {
      const answer = (await line(`${question}${fallback ? ` [${fallback}]` : ""}: `)).trim();
      return answer === "" ? fallback ?? "" : answer;
    },
    async secret(question) {
      output.write(`${question} (not shown): `);
      muted = true;
      try {
        return (await line("")).trim();
      } finally {
        muted = false;
        output.write("\n");
      }
    },
    async confirm(question) {
      return /^y(es)?$/i.test((await line(`${question} [y/N]: `)).trim());
    },
    close: () => rl.close(),
  };
}
