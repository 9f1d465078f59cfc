// The Pulumi CLI calls init makes: which backend is logged in, create or select the stack, and set
// each secret with its value on stdin (never in argv, which any user of the machine can read).
import { exec, ExecResult } from "./exec";

export interface PulumiCli {
  /** The pulumi binary (`--pulumi`, default `pulumi` on PATH). */
  bin: string;
  /** The project folder (where Pulumi.yaml is). */
  dir: string;
  env: NodeJS.ProcessEnv;
}

export class PulumiError extends Error {
  override name = "PulumiError";
}

async function must(cli: PulumiCli, args: string[], stdin?: string, hint = ""): Promise<ExecResult> {
  const r = await exec(cli.bin, args, { cwd: cli.dir, env: cli.env, stdin, timeoutMs: 120_000 });
  if (r.failure?.includes("ENOENT")) {
    throw new PulumiError(`${cli.bin} was not found: install the Pulumi CLI (https://www.pulumi.com/docs/install/), or give --pulumi <file>`);
  }
  if (r.status !== 0) {
    // args never hold a secret, so they can be shown; pulumi's own message says what went wrong.
    const said = (r.failure ?? r.stderr.trim()) || r.stdout.trim();
    throw new PulumiError(`${cli.bin} ${args.join(" ")} failed: ${said}${hint}`);
  }
  return r;
}

/** The backend URL `pulumi whoami` reports (file://..., s3://..., https://api.pulumi.com). */
export async function backendUrl(cli: PulumiCli): Promise<string> {
  const r = await must(cli, ["whoami", "--json"], undefined, "\n  log in first: pulumi login --local (state on this machine), or your team's backend");
  let url: unknown;
  try {
    url = (JSON.parse(r.stdout) as { url?: unknown }).url;
  } catch {
    // Not JSON: reported below.
  }
  if (typeof url !== "string" || url === "") throw new PulumiError(`${cli.bin} whoami --json printed no backend url: is it the Pulumi CLI (3.x)?`);
  return url;
}

/**
 * Whether `pulumi config set --secret` will need a passphrase that the environment lacks: a
 * self-managed backend (file, s3, gs, azblob, postgres) encrypts with a passphrase unless the
 * stack file names another secrets provider.
 */
export function passphraseNeeded(url: string, env: NodeJS.ProcessEnv, stackFileText = ""): boolean {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE) return false;
  if (/^https?:\/\//.test(url)) return false; // Pulumi Cloud (or a self-hosted service) holds the key
  const provider = /^secretsprovider:\s*(\S+)/m.exec(stackFileText)?.[1];
  return provider === undefined || provider.startsWith("passphrase");
}

/** Creates the stack, or selects it when it exists (`pulumi stack select --create`). */
export async function selectStack(cli: PulumiCli, stack: string): Promise<void> {
  await must(cli, ["stack", "select", "--create", stack]);
}

/** `pulumi config set --secret [--path] <key> --stack <stack>`, the value on stdin. */
export async function setSecret(cli: PulumiCli, stack: string, key: string, value: string, opts: { path?: boolean } = {}): Promise<void> {
  await must(cli, ["config", "set", "--secret", ...(opts.path ? ["--path"] : []), key, "--stack", stack], value);
}
