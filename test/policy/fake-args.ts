// Fake arguments for calling the pack's rules directly, the way the policy engine would (the real
// PolicyPack starts a gRPC server, so tests never construct it). Props go through @pulumi/policy's
// own unknownCheckingProxy, so an unknown (preview) value behaves as it does under the engine.
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { unknownCheckingProxy } from "@pulumi/policy";
import { policies } from "../../policy/rules";

/** What the SDK serialises an unknown string as during preview (runtime/rpc unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export class NotApplicable extends Error {}
export const NOT_APPLICABLE = "not applicable";

export interface FakeResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  /** Type of the parent component, if any (it appears in the URN). */
  parentType?: string;
}

export const urnOf = (r: FakeResource) => `urn:pulumi:test::mailstack::${r.parentType ? `${r.parentType}$` : ""}${r.type}::${r.name}`;

const isTypeOf = (type: string) => (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type;
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

export function resourceArgs(r: FakeResource): ResourceValidationArgs {
  const props = unknownCheckingProxy(r.props) as Record<string, any>;
  return {
    type: r.type, props, urn: urnOf(r), name: r.name,
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    stackTags: new Map(),
    isType: isTypeOf(r.type) as ResourceValidationArgs["isType"],
    asType: ((cls: unknown) => (isTypeOf(r.type)(cls) ? props : undefined)) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => ({}) as T,
    notApplicable,
  };
}

function policyResource(r: FakeResource): PolicyResource {
  const args = resourceArgs(r);
  return { type: r.type, props: args.props, urn: args.urn, name: r.name, opts: args.opts, dependencies: [], propertyDependencies: {}, isType: args.isType, asType: (() => undefined) as PolicyResource["asType"] };
}

/** Violation messages of one resource rule, or NOT_APPLICABLE. */
export async function runResourcePolicy(policy: ResourceValidationPolicy, r: FakeResource): Promise<string[] | typeof NOT_APPLICABLE> {
  const messages: string[] = [];
  const validations = [policy.validateResource ?? []].flat();
  try {
    for (const validate of validations) await validate(resourceArgs(r), (message) => messages.push(message));
  } catch (e) {
    if (e instanceof NotApplicable) return NOT_APPLICABLE;
    throw e;
  }
  return messages;
}

/** Violation messages (with the URN they name, if any) of one stack rule. */
export async function runStackPolicy(policy: StackValidationPolicy, resources: FakeResource[]): Promise<string[]> {
  const messages: string[] = [];
  const args: StackValidationArgs = { resources: resources.map(policyResource), stackTags: new Map(), getConfig: <T extends object>() => ({}) as T, notApplicable };
  await policy.validateStack(args, (message, urn) => messages.push(urn ? `${message} [${urn}]` : message));
  return messages;
}

export interface Violation {
  policy: string;
  level: string;
  message: string;
}

/** Every violation of every rule of the pack over a stack. */
export async function runAllPolicies(resources: FakeResource[]): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const policy of policies) {
    const found = (messages: string[]) => out.push(...messages.map((message) => ({ policy: policy.name, level: policy.enforcementLevel ?? "advisory", message })));
    if ("validateStack" in policy) {
      found(await runStackPolicy(policy, resources));
      continue;
    }
    for (const r of resources) {
      const messages = await runResourcePolicy(policy, r);
      if (messages !== NOT_APPLICABLE) found(messages);
    }
  }
  return out;
}

// Builders for DNS records as the Cloudflare provider receives them.
export const DNS = "cloudflare:index/dnsRecord:DnsRecord";
export const quoted = (...strings: string[]) => strings.map((s) => `"${s}"`).join(" ");
export const record = (type: string, name: string, content: string, extra: Record<string, unknown> = {}): FakeResource => ({
  type: DNS, name: `dns-${type.toLowerCase()}-${name}${extra.priority ? `-${content}` : ""}`, props: { name, type, content, ttl: 3600, proxied: false, ...extra },
});
export const txt = (name: string, value: string) => record("TXT", name, quoted(value));
