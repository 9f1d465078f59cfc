// `npm run init`: writes Pulumi.<stack>.yaml for a new mail server and sets its secrets (see
// `npm run init -- --help`). Prompts only on a terminal; otherwise it runs as --non-interactive.
import { terminalPrompter } from "./prompt";
import { runInit } from "./run";

async function main(): Promise<number> {
  const prompter = process.stdin.isTTY ? terminalPrompter() : undefined;
  try {
    return await runInit(process.argv.slice(2), {
      // npm runs scripts in the package's folder (the project); INIT_CWD is where the person typed the command.
      cwd: process.env.INIT_CWD ?? process.cwd(), projectDir: process.cwd(), env: process.env, prompter,
      out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`),
    });
  } finally {
    prompter?.close();
  }
}

main().then((code) => { process.exitCode = code; }, (e: Error) => {
  process.stderr.write(`init: ${e.stack ?? e.message}\n`);
  process.exitCode = 1;
});
