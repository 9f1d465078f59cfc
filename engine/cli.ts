// `npm run pulumi -- <args>`: the real Pulumi CLI that engine/build.sh builds, with this checkout's
// plugins, home and (unless you logged in elsewhere) local state. For the local world's stacks,
// which run from .local/pulumi/project: `npm run pulumi -- stack ls`, `... stack output --stack local`.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { engineEnv, LOCAL_PROJECT, prepareProject, readyEngine } from "./engine";

const bin = readyEngine();
prepareProject();
const r = spawnSync(join(bin, "pulumi"), process.argv.slice(2), { cwd: LOCAL_PROJECT, env: engineEnv(bin), stdio: "inherit" });
process.exit(r.status ?? 1);
