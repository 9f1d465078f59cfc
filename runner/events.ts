// What a `pulumi up` did, read from the engine's event log (`--event-log`, one JSON event per line):
// each resource's operation, the commands the command provider ran, and the DNS records changed.

/** The part of an engine event this reads (pulumi's apitype.EngineEvent). */
export interface EngineEvent {
  resOutputsEvent?: { metadata: StepMetadata };
  resOpFailedEvent?: { metadata: StepMetadata };
}

interface StepMetadata {
  op: string;
  urn: string;
  type: string;
}

export interface EventSummary {
  changes: Record<string, string>;
  remoteCommands: string[];
  dnsChanges: string[];
}

/** The engine's step operations, as the words a person reads in a preview. */
const CHANGE: Record<string, string> = {
  create: "create", update: "update", same: "same", delete: "delete", read: "same", refresh: "same",
  replace: "replace", "create-replacement": "replace", "delete-replaced": "replace",
  "discard-replaced": "replace", "import": "create", "import-replacement": "replace",
};

/** Steps that run a provider's create or delete (a replacement runs both). */
const ACTING = new Set(["create", "update", "delete", "create-replacement", "delete-replaced"]);

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** Our own resources: not the stack, not provider instances, not the program's components. */
const isCustom = (type: string) => !type.startsWith("pulumi:") && !type.startsWith("mailstack:");

export function summarizeEvents(events: EngineEvent[]): EventSummary {
  const summary: EventSummary = { changes: {}, remoteCommands: [], dnsChanges: [] };
  for (const e of events) {
    const failed = e.resOpFailedEvent !== undefined;
    const m = e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
    if (!m || !isCustom(m.type)) continue;
    const name = nameOf(m.urn);
    summary.changes[name] = failed ? "failed" : CHANGE[m.op] ?? m.op;
    if (failed || !ACTING.has(m.op)) continue;
    if (m.type.startsWith("command:")) summary.remoteCommands.push(`${m.op} ${name}`);
    if (m.type === "cloudflare:index/dnsRecord:DnsRecord") summary.dnsChanges.push(`${m.op} ${name}`);
  }
  return summary;
}
