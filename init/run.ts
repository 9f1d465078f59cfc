// `mailstack init` from argv to a stack: inputs (flags, else prompts), the Cloudflare token and
// zones, the host key, the stack file checked by the stack validator, then the stack and its
// secrets through the Pulumi CLI. Every check comes before the first write, so a refusal leaves
// nothing behind. Its parts are injected, so tests run it against local servers.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { Answers, defaultOf, normalized, QUESTIONS, ReadText, resolveAnswers, valueProblem, Values } from "./answers";
import { checkCloudflare, CloudflareError } from "./cloudflare";
import { helpText, parseFlags, ParsedFlags, UsageError } from "./flags";
import { defaultHostKeyFetcher, HostKey, HostKeyError, HostKeyFetcher } from "./host-key";
import { Prompter } from "./prompt";
import { backendUrl, passphraseNeeded, PulumiCli, PulumiError, selectStack, setSecret } from "./pulumi-config";
import { configProblems, keptKeys, renderStackFile, secretKeys, stackConfig, StackFileInput } from "./stack-file";

export interface InitDeps {
  /** Where the person ran init: relative paths in flags and answers are read from there. */
  cwd: string;
  /** The project folder when --dir is not given (default: cwd). `npm run` starts init in the
   * package's folder, where Pulumi.yaml is, and gives the person's folder as INIT_CWD. */
  projectDir?: string;
  /** Where the secrets are looked up first, and the environment of every pulumi call. */
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Asks for what is missing; without one init runs as with --non-interactive. */
  prompter?: Prompter;
  fetchHostKey?: HostKeyFetcher;
  fetch?: typeof fetch;
  readText?: ReadText;
}

/** Exit codes: done, a check or the CLI failed, the inputs are incomplete or wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A stop with its message and exit code; nothing has been written when one is thrown before `write`. */
class Stop extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

const list = (title: string, lines: string[]) => `${title}\n${lines.map((l) => `  - ${l}`).join("\n")}`;

/** The secrets init needs besides the SSH key (a file): from the environment or hidden prompts. */
interface Secrets {
  cloudflareToken?: string;
  contaboClientSecret?: string;
  contaboApiPassword?: string;
  passphrase?: string;
}

export async function runInit(argv: string[], deps: InitDeps): Promise<number> {
  try {
    return await init(argv, deps);
  } catch (e) {
    if (e instanceof Stop) {
      deps.err(`init: ${e.message}`);
      return e.code;
    }
    if (e instanceof CloudflareError || e instanceof HostKeyError || e instanceof PulumiError) {
      deps.err(`init: ${e.message}`);
      return EXIT.failed;
    }
    throw e;
  }
}

async function init(argv: string[], deps: InitDeps): Promise<number> {
  let flags: ParsedFlags;
  try {
    flags = parseFlags(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    throw new Stop(`${e.message}\n  npm run init -- --help lists every flag`, EXIT.usage);
  }
  if (flags.switches.has("help")) {
    deps.out(helpText());
    return EXIT.ok;
  }
  const { answers, secrets, cli, stackFile, prompter, read } = await inputs(flags, deps);

  deps.out(`Checking the Cloudflare token at ${answers.cloudflareBaseUrl} ...`);
  const zones = await checkCloudflare({ baseUrl: answers.cloudflareBaseUrl, token: secrets.cloudflareToken!, fetch: deps.fetch },
    [answers.domain, answers.hostname]);
  const [domainZone, hostZone] = [zones.get(answers.domain)!, zones.get(answers.hostname)!];
  deps.out(`  zone of ${answers.domain}: ${domainZone}; of ${answers.hostname}: ${hostZone}`);
  const input: StackFileInput = { answers, hostKey: await acceptHostKey(answers, flags, prompter, deps), domainZone, hostZone };

  const sshPrivateKey = read(answers.sshKeyFile);
  const refused = configProblems(stackConfig(input), { sshPrivateKey, cloudflareToken: secrets.cloudflareToken! });
  if (refused.length > 0) throw new Stop(list("the stack would not load, so nothing was written:", refused), EXIT.usage);

  await write(cli, stackFile, input, {
    "mailstack:sshPrivateKey": sshPrivateKey, "cloudflare:apiToken": secrets.cloudflareToken!,
    "mailstack:contabo.clientSecret": secrets.contaboClientSecret, "mailstack:contabo.apiPassword": secrets.contaboApiPassword,
  }, secrets.passphrase, deps);
  nextSteps(answers, stackFile, cli.dir === resolve(deps.cwd) ? undefined : cli.dir, deps.out);
  return EXIT.ok;
}

/**
 * Every input, from flags, the environment and (when it may) prompts: typed, checked, or one stop
 * that lists every problem. What needs no question and no network is checked first.
 */
async function inputs(flags: ParsedFlags, deps: InitDeps) {
  const prompter = flags.switches.has("non-interactive") ? undefined : deps.prompter;
  const read = deps.readText ?? ((f: string) => readFileSync(f, "utf8"));
  const values: Values = Object.fromEntries(Object.entries(flags.values).map(([k, v]) => [k, normalized(k, v, deps.cwd)]));

  const dir = values.dir === undefined ? resolve(deps.projectDir ?? deps.cwd) : resolve(deps.cwd, values.dir);
  if (!existsSync(join(dir, "Pulumi.yaml"))) throw new Stop(`--dir ${dir} has no Pulumi.yaml: run init in the mailstack folder, or give --dir`, EXIT.usage);
  const stackFile = join(dir, `Pulumi.${(values.stack ?? "prod").split("/").pop()}.yaml`);
  const setup: string[] = [];
  if (existsSync(stackFile) && !flags.switches.has("force")) {
    setup.push(`${stackFile} exists: --force overwrites it (keeping its secrets provider), or choose another --stack`);
  }
  if (!prompter && !flags.switches.has("yes") && values["host-fingerprint"] === undefined) {
    setup.push("--yes or --host-fingerprint SHA256:... is needed to accept the VPS's host key without a prompt");
  }
  const given = Object.entries(values).map(([k, v]) => valueProblem(k, v!, read)).filter((p): p is string => p !== undefined);
  // Before the first question: a bad flag would otherwise show only after all of them.
  if (prompter && given.length + setup.length > 0) throw new Stop(list("nothing was written:", [...given, ...setup]), EXIT.usage);

  // A path (with a slash) is the person's file; a bare name is looked up on PATH.
  const bin = values.pulumi?.includes("/") ? resolve(deps.cwd, values.pulumi) : values.pulumi ?? "pulumi";
  const cli: PulumiCli = { bin, dir, env: { ...deps.env } };
  const backend = await backendUrl(cli);
  const existing = existsSync(stackFile) ? readFileSync(stackFile, "utf8") : "";

  if (prompter) await askMissing(prompter, values, read, deps);
  const resolved = resolveAnswers(values, read);
  // Prompts checked each answer: what is left (a flag pair half given) stops before the secrets are asked.
  if (prompter && !resolved.answers) throw new Stop(list("nothing was written:", [...resolved.missing, ...resolved.problems]), EXIT.usage);
  const secrets = await gatherSecrets(prompter, deps.env, values, passphraseNeeded(backend, deps.env, existing), !/^encryptionsalt:/m.test(existing));
  const missing = [...resolved.missing, ...secrets.missing];
  const problems = [...(missing.length ? [`missing: ${missing.join(", ")}`] : []), ...resolved.problems, ...setup];
  if (problems.length > 0 || !resolved.answers) throw new Stop(list("nothing was written:", problems), EXIT.usage);
  return { answers: resolved.answers, secrets: secrets.values, cli, stackFile, prompter, read };
}

/** Asks, in order, for each missing value that has a question; re-asks until the answer passes its check. */
async function askMissing(prompter: Prompter, values: Values, read: ReadText, deps: InitDeps): Promise<void> {
  for (const q of QUESTIONS) {
    while (values[q.flag] === undefined) {
      const fallback = defaultOf(q.flag, values);
      const answer = await prompter.ask(q.question, fallback);
      if (answer === "") {
        if (!q.required) break; // optional: none
        deps.err("  an answer is needed");
        continue;
      }
      const value = normalized(q.flag, answer, deps.cwd);
      const problem = valueProblem(q.flag, value, read);
      if (problem) deps.err(`  ${problem}`);
      else values[q.flag] = value;
    }
  }
}

/** The secrets from the environment, else hidden prompts; what is still missing, named for the error. */
async function gatherSecrets(prompter: Prompter | undefined, env: NodeJS.ProcessEnv, values: Values, needPassphrase: boolean, newStack: boolean) {
  const missing: string[] = [];
  const get = async (name: string, question: string): Promise<string | undefined> => {
    const v = env[name] || (prompter ? await prompter.secret(question) : undefined);
    if (!v) missing.push(`${name} in the environment`);
    return v || undefined;
  };
  const s: Secrets = { cloudflareToken: await get("CLOUDFLARE_API_TOKEN", "Cloudflare API token (Zone.DNS edit on the zone)") };
  if (values["contabo-client-id"] !== undefined) {
    s.contaboClientSecret = await get("CONTABO_CLIENT_SECRET", "Contabo API client secret");
    s.contaboApiPassword = await get("CONTABO_API_PASSWORD", "Contabo API password");
  }
  if (needPassphrase) {
    if (!prompter) missing.push("PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) in the environment: this backend encrypts secrets with a passphrase");
    else s.passphrase = await askPassphrase(prompter, newStack);
  }
  return { values: s, missing };
}

async function askPassphrase(prompter: Prompter, newStack: boolean): Promise<string> {
  for (;;) {
    const first = await prompter.secret(newStack ? "Passphrase for the stack's secrets (choose one, and keep it)" : "Passphrase of the stack's secrets");
    if (!newStack || first === (await prompter.secret("The passphrase again"))) return first;
  }
}

/** The host key, shown with its fingerprint and accepted by --host-fingerprint, --yes or the person. */
async function acceptHostKey(a: Answers, flags: ParsedFlags, prompter: Prompter | undefined, deps: InitDeps): Promise<HostKey> {
  const key = await (deps.fetchHostKey ?? defaultHostKeyFetcher)(a.ipv4, a.sshPort);
  deps.out([
    `Host key of ${a.ipv4} port ${a.sshPort}:`,
    `  ${key.key}`,
    `  fingerprint ${key.fingerprint}`,
    "  compare it with the VPS's console (the provider's VNC or rescue console): ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub",
  ].join("\n"));
  if (a.hostFingerprint !== undefined) {
    if (a.hostFingerprint === key.fingerprint) return key;
    throw new Stop(`the VPS answered with ${key.fingerprint}, not --host-fingerprint ${a.hostFingerprint}: a reinstalled VPS, a wrong address, `
      + "or someone in between. Check the console; nothing was written", EXIT.failed);
  }
  if (flags.switches.has("yes")) return key;
  if (prompter && (await prompter.confirm("Is this the fingerprint the console shows?"))) return key;
  throw new Stop("the host key was not accepted; nothing was written", EXIT.failed);
}

/**
 * The stack, its file (keeping the secrets provider it had) and its secrets, each through stdin.
 * When a secret cannot be set (a wrong passphrase, say), the file goes back to what it was.
 */
async function write(cli: PulumiCli, stackFile: string, input: StackFileInput, values: Record<string, string | undefined>,
  passphrase: string | undefined, deps: InitDeps): Promise<void> {
  const pulumi = { ...cli, env: passphrase === undefined ? cli.env : { ...cli.env, PULUMI_CONFIG_PASSPHRASE: passphrase } };
  const stack = input.answers.stack;
  await selectStack(pulumi, stack);
  // `stack select --create` wrote a new stack's encryption salt there; an existing file has its own.
  const before = existsSync(stackFile) ? readFileSync(stackFile, "utf8") : undefined;
  writeFileSync(stackFile, renderStackFile(input, before === undefined ? {} : keptKeys(parse(before))));
  try {
    for (const s of secretKeys(input.answers)) await setSecret(pulumi, stack, s.key, values[s.key]!, { path: s.path });
  } catch (e) {
    if (before === undefined) rmSync(stackFile, { force: true });
    else writeFileSync(stackFile, before);
    throw new PulumiError(`${(e as Error).message}\n  init put ${stackFile} back as it was before writing it`);
  }
  deps.out(`Wrote ${stackFile}, and set ${secretKeys(input.answers).map((s) => s.key).join(", ")} as secrets of stack ${stack}`);
}

/** The next commands (from the project folder: `cd` first when it is not the current one). */
function nextSteps(a: Answers, stackFile: string, cd: string | undefined, out: (t: string) => void): void {
  out([
    "",
    `Done: ${stackFile}.`,
    `Before the first up, set the reverse DNS (PTR) of ${[a.ipv4, a.ipv6].filter(Boolean).join(" and ")} to ${a.hostname} in the provider's panel.`,
    "Next:",
    ...(cd ? [`  cd ${cd}`] : []),
    `  pulumi preview --stack ${a.stack}`,
    `  pulumi up --stack ${a.stack}`,
    "",
  ].join("\n"));
}
