// `npm run recover -- --stack <name>` (default: local): see runner/recover.ts.
import { LOCAL_PROJECT, prepareProject, readyEngine, runPulumi } from "../engine/engine";
import { recover } from "./recover";

const stack = process.argv.includes("--stack") ? process.argv[process.argv.indexOf("--stack") + 1] : "local";
const bin = readyEngine();
prepareProject();
const cli = {
  run(args: string[]) {
    const r = runPulumi(bin, args, { cwd: LOCAL_PROJECT });
    return { status: r.status ?? 1, stdout: r.stdout ?? "", output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
  },
};
recover(cli, stack, (s) => console.log(`recover: ${s}`)).then(() => process.exit(0), (e: Error) => {
  console.error(`recover: ${e.message}`);
  process.exit(1);
});
