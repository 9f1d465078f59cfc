// From command-line options to a DoctorContext: the stack outputs (pulumi, or .local/outputs.json
// for `local`), the resolver and the trusted CAs (for `local`: the world DNS and pebble's root).
import * as fs from "node:fs";
import * as path from "node:path";
import * as tls from "node:tls";
import { readWorld } from "../world/state";
import { Connector, netConnector } from "./connector";
import type { DoctorContext } from "./context";
import { pulumiOutputs, readOutputsFile, StackOutputs, targetsOf } from "./outputs";
import { nodeResolver, Resolver } from "./resolver";

export const REPO_ROOT = path.resolve(__dirname, "..");
export const LOCAL_STACK = "local";
export const EHLO_NAME = "doctor.mailstack.invalid";

export interface SetupOptions {
  stack: string;
  /** DNS servers (IP or IP:port); default: the system's, or the world DNS for `local`. */
  resolver?: string[];
  /** Extra trusted CA file (PEM); default for `local`: pebble's issuing root. */
  ca?: string;
  outputsFile?: string;
  worldFile?: string;
  timeoutMs?: number;
  connector?: Connector;
  resolverImpl?: Resolver;
  now?: Date;
}

export interface Setup {
  stack: string;
  outputs: StackOutputs;
  ctx: DoctorContext;
  /** PEMs trusted in addition to the system roots. */
  extraCa: string[];
  /** For `local`: where the receiver writes its inbox. */
  inboxPath?: string;
}

export function setup(o: SetupOptions): Setup {
  const local = o.stack === LOCAL_STACK;
  const world = local ? readWorld(o.worldFile ?? path.join(REPO_ROOT, ".local", "world.json")) : undefined;
  const outputs = local ? readOutputsFile(o.outputsFile ?? path.join(REPO_ROOT, ".local", "outputs.json")) : o.outputsFile ? readOutputsFile(o.outputsFile) : pulumiOutputs(o.stack);
  const servers = o.resolver ?? (world ? [world.dns.server] : undefined);
  const caFile = o.ca ?? world?.acme.issuingRootPath;
  let extraCa: string[] = [];
  if (caFile) {
    try {
      extraCa = [fs.readFileSync(caFile, "utf8")];
    } catch (e) {
      throw new Error(`--ca ${caFile}: ${(e as Error).message}`);
    }
  }
  const ctx: DoctorContext = {
    targets: targetsOf(outputs),
    resolver: o.resolverImpl ?? nodeResolver(servers),
    net: { connector: o.connector ?? netConnector, timeoutMs: o.timeoutMs ?? 10_000, ca: [...tls.rootCertificates, ...extraCa], ehloName: EHLO_NAME },
    now: o.now ?? new Date(),
  };
  return { stack: o.stack, outputs, ctx, extraCa, ...(world ? { inboxPath: world.receiver.inboxPath } : {}) };
}
