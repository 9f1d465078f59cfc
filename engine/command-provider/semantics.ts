// What the command provider decides, as plain functions: which inputs changed, what is replaced,
// and the outputs it stores. Kept apart from main.ts (which serves them over gRPC) so they are
// tested without an engine.

import { unwrapSecrets } from "../secret-wire";

export class CommandFailed extends Error {}

/**
 * ssh's words for "could not connect" (the host is booting, sshd is starting or refusing for now):
 * tried again, as the provider's dial retries. Not "Connection to <host> closed by remote host",
 * a session cut while its command ran: that fails the step.
 */
export const DIAL_FAILURE = /ssh: connect to host \S+ port \d+: (Connection refused|Connection timed out|No route to host|Network is unreachable)|kex_exchange_identification:|^Connection closed by \S+ port \d+\s*$/m;

/** `urn:pulumi:<stack>::<project>::<parent types $>…$<type>::<name>` → `<type>`. */
export function resourceTypeOf(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").pop() as string;
}

type Props = Record<string, unknown>;

export function plainInputs(props: Props): Props {
  return unwrapSecrets(props) as Props;
}

/** Properties the provider computes; never compared as inputs. */
const OUTPUT_ONLY = new Set(["stdout", "stderr"]);

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(unwrapSecrets(a))) === JSON.stringify(canonical(unwrapSecrets(b)));
}

function canonical(v: unknown): unknown {
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.keys(v).sort().filter((k) => (v as Props)[k] !== undefined && (v as Props)[k] !== null).map((k) => [k, canonical((v as Props)[k])]));
  }
  return v;
}

export interface CommandDiff {
  changes: boolean;
  /** Changed inputs that force a new resource: only `triggers`, as in @pulumi/command. */
  replaces: string[];
}

/**
 * Compares the stored state with the new inputs. Any changed input is an update (which runs
 * `update`, or `create` again); a change of `triggers` replaces the resource.
 */
export function commandDiff(olds: Props, news: Props): CommandDiff {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)].filter((k) => !OUTPUT_ONLY.has(k)));
  const changed = [...keys].filter((k) => !same(olds[k], news[k])).sort();
  return { changes: changed.length > 0, replaces: changed.filter((k) => k === "triggers") };
}

/** The state after a command: every input as given (secrets stay secret), and its output without the last newline. */
export function withOutputs(inputs: Props, out: { stdout: string; stderr: string } | undefined): Props {
  return { ...inputs, stdout: (out?.stdout ?? "").replace(/\n$/, ""), stderr: (out?.stderr ?? "").replace(/\n$/, "") };
}
