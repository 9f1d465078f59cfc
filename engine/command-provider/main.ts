// The `command` provider plugin (command:remote:Command, command:local:Command) that the real
// engine runs for @pulumi/command 1.2.1. Pulumi's own plugin cannot be built here (the Go module
// proxy refuses github.com/pulumi/pulumi-command/provider), so this one serves the same resource
// types with the same behaviour on the paths the program uses: create runs `create`, any input
// change runs `update` (or `create` again), delete runs `delete`, outputs are the inputs plus
// stdout and stderr, `triggers` replace (the SDK asks the engine for that). Started by the engine
// through the `pulumi-resource-command` script that engine/build.sh installs.
import { spawn } from "node:child_process";
import * as provider from "@pulumi/pulumi/provider";
import { sshExec, SshTarget } from "../../world/ssh";
import { CommandFailed, commandDiff, DIAL_FAILURE, plainInputs, resourceTypeOf, withOutputs } from "./semantics";

const VERSION = "1.2.1";
type Props = Record<string, unknown>;

/** A failure in the provider's own words: status, the first line of the command, then its output. */
function failure(code: number, text: string, output: string): CommandFailed {
  return new CommandFailed(`Process exited with status ${code}: running ${JSON.stringify(text.split("\n")[0])}:\n${output}`);
}

async function runRemote(props: Props, text: string, stdin: string | undefined): Promise<{ stdout: string; stderr: string }> {
  const c = props.connection as Props;
  if (props.environment && Object.keys(props.environment as object).length > 0) {
    throw new CommandFailed("environment is not supported: stock sshd refuses unknown variables");
  }
  const target: SshTarget = {
    host: String(c.host), port: Number(c.port ?? 22), user: String(c.user ?? "root"),
    privateKey: typeof c.privateKey === "string" ? c.privateKey : undefined,
    hostKey: typeof c.hostKey === "string" && c.hostKey !== "" ? c.hostKey : undefined,
  };
  // dialErrorLimit tries, as the provider does, for a host that is still booting.
  const tries = Math.max(1, Number(c.dialErrorLimit ?? 10));
  for (let attempt = 1; ; attempt++) {
    const r = await sshExec(target, text, { stdin: stdin ?? "" });
    // 255 is ssh's own failure; only a failure to connect is tried again, as the provider's dial
    // retries: a session cut while the command ran ("Connection to … closed by remote host") fails
    // the step, whose command may have run in part.
    if (r.code === 255 && attempt < tries && DIAL_FAILURE.test(r.stderr)) {
      await new Promise((res) => setTimeout(res, 2000));
      continue;
    }
    if (r.code !== 0) throw failure(r.code, text, `${r.stdout}${r.stderr}`);
    return { stdout: r.stdout, stderr: r.stderr };
  }
}

function runLocal(props: Props, text: string, stdin: string | undefined): Promise<{ stdout: string; stderr: string }> {
  const interpreter = Array.isArray(props.interpreter) && props.interpreter.length > 0 ? props.interpreter.map(String) : ["/bin/sh", "-c"];
  return new Promise((resolve, reject) => {
    const child = spawn(interpreter[0], [...interpreter.slice(1), text], {
      cwd: typeof props.dir === "string" && props.dir !== "" ? props.dir : undefined,
      env: { ...process.env, ...(props.environment as Record<string, string> | undefined) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on("data", (b: Buffer) => { stderr += b.toString(); });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(failure(code ?? 1, text, `${stdout}${stderr}`))));
    child.stdin.on("error", () => undefined);
    child.stdin.end(stdin ?? "");
  });
}

/** Runs one of the resource's commands; undefined when that command is not set. */
async function run(urn: string, props: Props, which: "create" | "update" | "delete"): Promise<{ stdout: string; stderr: string } | undefined> {
  const plain = plainInputs(props);
  const text = which === "update" ? plain.update ?? plain.create : plain[which];
  if (typeof text !== "string" || text === "") return undefined;
  // As the provider: stdin goes to create and update, never to delete.
  const stdin = which === "delete" || typeof plain.stdin !== "string" ? undefined : plain.stdin;
  const type = resourceTypeOf(urn);
  if (type === "command:remote:Command") return runRemote(plain, text, stdin);
  if (type === "command:local:Command") return runLocal(plain, text, stdin);
  throw new CommandFailed(`unknown resource type ${type}`);
}

const commandProvider: provider.Provider = {
  version: VERSION,
  async diff(_id, _urn, olds: Props, news: Props) {
    return commandDiff(olds, news);
  },
  async create(urn, inputs: Props) {
    const out = await run(urn, inputs, "create");
    return { id: `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`, outs: withOutputs(inputs, out) };
  },
  async update(_id, urn, _olds: Props, news: Props) {
    const out = await run(urn, news, "update");
    return { outs: withOutputs(news, out) };
  },
  async delete(_id, urn, props: Props) {
    await run(urn, props, "delete");
  },
  async read(id, _urn, props: Props) {
    return { id, props };
  },
};

void provider.main(commandProvider, process.argv.slice(2));
