// A remote step as the command text `remote.Command` runs over SSH: the step's .sh file from
// remote/, after remote/lib.sh and the step's parameters, fed to bash through a quoted here-document.
// stdin stays free for secrets; the text itself never holds one (the provider prints it on failure).
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const REMOTE_DIR = join(__dirname, "..", "..", "remote");
/** Scripts that run on the machine running `pulumi up` (command.local.Command). */
export const LOCAL_SCRIPTS_DIR = join(__dirname, "..", "..", "local-scripts");

export type StepScript =
  | "preflight" | "claims" | "base" | "tls" | "chasquid" | "chasquid-remove" | "domain" | "domain-remove" | "verify";

/** Step parameters: UPPER_CASE names, plain values (never secrets). */
export type StepParams = Record<string, string>;

const DELIMITER = "MAILSTACK_STEP";

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Scripts of remote/ that are part of a step: their functions come before the step's own script. */
export type StepPart = "fail2ban";
const STEP_PARTS: Partial<Record<StepScript, StepPart[]>> = { base: ["fail2ban"] };

export function readRemoteScript(script: StepScript | StepPart | "lib" | "certbot-deploy-hook"): string {
  return readFileSync(join(REMOTE_DIR, `${script}.sh`), "utf8");
}

/** The script body without its shebang (the steps are concatenated into one bash program). */
function body(script: StepScript | StepPart | "lib"): string {
  return readRemoteScript(script).replace(/^#!.*\n/, "");
}

function assignments(params: StepParams): string[] {
  return Object.entries(params).map(([name, value]) => {
    if (!/^MS_[A-Z0-9_]+$/.test(name)) throw new Error(`step parameter ${name} must look like MS_NAME`);
    if (value.includes(DELIMITER)) throw new Error(`step parameter ${name} contains the here-document delimiter`);
    return `${name}=${shellQuote(value)}`;
  });
}

function bashProgram(runner: string, name: string, lines: string[]): string {
  return `${runner} -c "$(cat <<'${DELIMITER}'\n${lines.join("\n")}\n${DELIMITER}\n)" mailstack-${name}`;
}

export function stepCommand(script: StepScript, params: StepParams = {}, options: { sudo?: boolean } = {}): string {
  const program = [`# mailstack step: ${script}`, ...assignments(params), body("lib"), ...(STEP_PARTS[script] ?? []).map(body), body(script)];
  return bashProgram(options.sudo ? "sudo -n bash" : "bash", script, program);
}

/** A script of local-scripts/ as the command text `local.Command` runs on the deploying machine. */
export function localCommand(script: "reach", params: StepParams): string {
  const text = readFileSync(join(LOCAL_SCRIPTS_DIR, `${script}.sh`), "utf8").replace(/^#!.*\n/, "");
  return bashProgram("bash", script, [`# mailstack local check: ${script}`, ...assignments(params), text]);
}

/**
 * A Node.js script of local-scripts/ (an ES module: it talks JSON to an API) as local.Command's text.
 * Node is there wherever `pulumi up` runs this program. Parameters go in its environment.
 */
export function localNodeCommand(script: "ptr-contabo" | "ptr-check", params: StepParams): string {
  const text = readFileSync(join(LOCAL_SCRIPTS_DIR, `${script}.mjs`), "utf8");
  if (text.includes(DELIMITER)) throw new Error(`${script}.mjs contains the here-document delimiter`);
  return `${assignments(params).join(" ")} node --input-type=module -e "$(cat <<'${DELIMITER}'\n${text}${DELIMITER}\n)"`;
}
