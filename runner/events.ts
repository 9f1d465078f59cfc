// What a `pulumi up` did, read from the engine's event log (`--event-log`, one JSON event per line):
// each resource's operation, the commands the command provider ran, and the DNS records changed.

/** The part of an engine event this reads (pulumi's apitype.EngineEvent). */
export interface EngineEvent {
  /** A step about to run (in a preview: the step planned). */
  resourcePreEvent?: { metadata: StepMetadata };
  /** A step done. */
  resOutputsEvent?: { metadata: StepMetadata };
  resOpFailedEvent?: { metadata: StepMetadata };
}

interface StepMetadata {
  op: string;
  urn: string;
  type: string;
}

export interface EventSummary {
  /** What the engine did per resource name: create, update, replace, same, delete (or failed). */
  changes: Record<string, string>;
  /** Command resources whose commands ran, as `<change> <name>`, ` (local)` for command.local. */
  remoteCommands: string[];
  /** Cloudflare records created, changed, replaced or removed, as `<change> <name>`. */
  dnsChanges: string[];
}

/** The engine's step operations, as the words a person reads in a preview. */
const CHANGE: Record<string, string> = {
  create: "create", update: "update", same: "same", delete: "delete", read: "same", refresh: "same",
  replace: "replace", "create-replacement": "replace", "delete-replaced": "replace",
  "discard-replaced": "replace", "import": "create", "import-replacement": "replace",
};

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** Our own resources: not the stack, not provider instances, not the program's components. */
const isCustom = (type: string) => !type.startsWith("pulumi:") && !type.startsWith("mailstack:");

/** What an `up` did (steps done), or with `planned`, what a preview plans (steps announced). */
export function summarizeEvents(events: EngineEvent[], planned = false): EventSummary {
  const changes: Record<string, string> = {};
  const types = new Map<string, string>();
  for (const e of events) {
    const m = (planned ? e.resourcePreEvent?.metadata : e.resOutputsEvent?.metadata) ?? e.resOpFailedEvent?.metadata;
    if (!m || !isCustom(m.type)) continue;
    const name = nameOf(m.urn);
    types.set(name, m.type);
    // A replacement is several steps; a failure is final.
    if (changes[name] === "failed" || (changes[name] === "replace" && !e.resOpFailedEvent)) continue;
    changes[name] = e.resOpFailedEvent ? "failed" : CHANGE[m.op] ?? m.op;
  }
  const acted = [...types].filter(([name]) => !["same", "failed"].includes(changes[name]));
  return {
    changes,
    remoteCommands: acted.filter(([, t]) => t.startsWith("command:"))
      .map(([name, t]) => `${changes[name]} ${name}${t === "command:local:Command" ? " (local)" : ""}`),
    dnsChanges: acted.filter(([, t]) => t === "cloudflare:index/dnsRecord:DnsRecord").map(([name]) => `${changes[name]} ${name}`),
  };
}
