// The fast unit-test harness: evaluates the real program under the SDK's mock runtime, produces
// real keys and random values like the providers would, and keeps a state between runs so a second
// run with the same inputs changes nothing. Deploys (the local world, production) use the real
// engine (engine/); this file is never imported by the program.
import { createHash, generateKeyPairSync, KeyObject, randomBytes, randomInt } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import * as pulumi from "@pulumi/pulumi";

export { isSecretWire, secretWire, unwrapSecrets } from "../../engine/secret-wire";
import { secretWire } from "../../engine/secret-wire";

/**
 * The value of an Output; rejects when the Output failed. In preview an unknown value comes back as
 * `undefined` (the SDK's internal `promise()`: `apply` would never call back for it).
 */
export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

export type Change = "create" | "update" | "replace" | "same";

export interface Registration {
  type: string;
  name: string;
  custom: boolean;
  /** Inputs as the engine received them (secrets still wrapped). */
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  /** What a real engine would do with this resource given the previous state. */
  change: Change;
  /** Resource options as the engine received them. */
  protect: boolean;
  /** `<provider URN>::<id>` when a provider was given (directly or by a parent), else "". */
  provider: string;
  /** URN of the parent ("" for the stack itself). */
  parent: string;
  /** URNs of the resources it waits for (`dependsOn`, and the resources behind its input outputs). */
  dependencies: string[];
}

export interface StateEntry {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  /** Set when the resource was registered with `protect: true`: the engine refuses to replace it. */
  protect?: boolean;
}

/** Resource state between runs, keyed by `type::name` (names are unique: see `duplicateUrns`). */
export type EngineState = Record<string, StateEntry>;

/**
 * Applies one resource for real (SSH command, DNS record…) and returns its outputs. Called only for
 * changed resources, in dependency order (the SDK registers a resource once its inputs are known).
 */
export type Applier = (reg: Omit<Registration, "outputs">, previous: StateEntry | undefined) => Promise<Record<string, unknown>>;

export interface MockEngineOptions {
  project?: string;
  stack?: string;
  /** `pulumi preview`: nothing is applied, unknown outputs stay unknown. */
  preview?: boolean;
  /** Full config map, keys like `mailstack:hosts` (objects as JSON). */
  config: Record<string, string>;
  /** Keys of `config` that are secrets. */
  secretKeys?: string[];
  /** State of the previous run (mutated in place with this run's results). */
  state?: EngineState;
  /** Answers invokes such as `cloudflare:index/getZone:getZone`. */
  invoke?: (token: string, inputs: Record<string, unknown>) => Record<string, unknown> | undefined;
  /** Real side effects for custom resources; default: outputs = inputs. */
  apply?: Applier;
}

export class MockEngine {
  readonly registrations: Registration[] = [];
  /** `provider`: `<provider URN>::<id>` when the invoke named one (directly or by its parent), else "". */
  readonly invokes: { token: string; inputs: Record<string, unknown>; provider: string }[] = [];
  readonly state: EngineState;
  private readonly urns: string[] = [];
  /** Options of each registration, read off the request before the mock hands newResource its subset. */
  private readonly requestOptions = new Map<string, { protect: boolean; provider: string; parent: string; dependencies: string[] }>();

  constructor(private readonly options: MockEngineOptions) {
    this.state = options.state ?? {};
  }

  /** Installs the mocks and config; import or run the program after this. */
  async start(): Promise<void> {
    const { project = "mailstack", stack = "test", preview = false } = this.options;
    pulumi.runtime.setAllConfig(this.options.config, this.options.secretKeys ?? []);
    await pulumi.runtime.setMocks({
      newResource: (args) => this.newResource(args),
      call: (args) => this.call(args),
    }, project, stack, preview);
    // Record every URN the mock monitor computes: its resource map silently overwrites duplicates.
    type Request = { getType(): string; getName(): string; getProtect(): boolean; getProvider(): string; getParent(): string; getDependenciesList(): string[] };
    const monitor = pulumi.runtime.getMonitor() as unknown as {
      newUrn(parent: string, type: string, name: string): string;
      registerResource(req: Request, callback: unknown): Promise<void>;
    };
    const newUrn = monitor.newUrn.bind(monitor);
    monitor.newUrn = (parent, type, name) => {
      const urn = newUrn(parent, type, name);
      this.urns.push(urn);
      return urn;
    };
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      this.requestOptions.set(`${req.getType()}::${req.getName()}`, {
        protect: req.getProtect(), provider: req.getProvider(), parent: req.getParent(), dependencies: req.getDependenciesList(),
      });
      return registerResource(req, callback);
    };
  }

  /** Waits until every registration the program started has finished. */
  async settle(): Promise<void> {
    const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs;
    await waitForRPCs();
  }

  /** URNs registered more than once: the real engine would fail with "Duplicate resource URN". */
  duplicateUrns(): string[] {
    return this.urns.filter((u, i) => this.urns.indexOf(u) !== i);
  }

  find(type: string, name: string): Registration {
    const found = this.registrations.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}; have: ${this.registrations.map((r) => r.name).join(", ")}`);
    return found;
  }

  ofType(type: string): Registration[] {
    return this.registrations.filter((r) => r.type === type);
  }

  private call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    this.invokes.push({ token: args.token, inputs: args.inputs, provider: args.provider ?? "" });
    const answer = this.options.invoke?.(args.token, args.inputs);
    if (answer) return answer;
    if (args.token === "cloudflare:index/getZone:getZone") {
      const name = String((args.inputs.filter as { name?: string } | undefined)?.name);
      const id = createHash("sha256").update(name).digest("hex").slice(0, 32);
      return { id, zoneId: id, name, status: "active" };
    }
    throw new Error(`mock engine: no answer for invoke ${args.token}`);
  }

  private async newResource(args: pulumi.runtime.MockResourceArgs): Promise<pulumi.runtime.MockResourceResult> {
    const inputs = args.inputs as Record<string, unknown>;
    const key = `${args.type}::${args.name}`;
    const options = this.requestOptions.get(key) ?? { protect: false, provider: "", parent: "", dependencies: [] };
    if (!args.custom) {
      this.registrations.push({ type: args.type, name: args.name, custom: false, inputs, outputs: {}, change: "same", ...options });
      return { id: undefined, state: {} };
    }
    const previous = this.state[key];
    const change: Change = previous === undefined ? "create"
      : isDeepStrictEqual(previous.inputs, inputs) ? "same"
      : REPLACE_ON_ANY_CHANGE.has(args.type) || !isDeepStrictEqual(previous.inputs.triggers, inputs.triggers) ? "replace"
      : "update";
    // As the Pulumi engine does (preview included): a protected resource is never replaced.
    if (change === "replace" && previous?.protect) {
      throw new Error(`${args.type} ${args.name} would be replaced, but it is protected: unprotect it first (see "Protected keys and passwords" in the README)`);
    }
    let outputs: Record<string, unknown>;
    if (change === "same") {
      outputs = previous!.outputs;
      // The protection is an option, not an input: an unchanged resource still takes its new value.
      if (!this.options.preview) this.state[key] = { inputs: previous!.inputs, outputs, ...(options.protect ? { protect: true } : {}) };
    } else if (this.options.preview) {
      outputs = { ...inputs };
    } else {
      const generated = generateOutputs(args.type, inputs);
      const applied = this.options.apply ? await this.options.apply({ type: args.type, name: args.name, custom: true, inputs, change, ...options }, previous) : {};
      outputs = { ...inputs, ...generated, ...applied };
      this.state[key] = { inputs, outputs, ...(options.protect ? { protect: true } : {}) };
    }
    this.registrations.push({ type: args.type, name: args.name, custom: true, inputs, outputs, change, ...options });
    return { id: `${args.name}-id`, state: outputs };
  }
}

/** Resources whose providers replace them on any input change (keys and random values are regenerated). */
const REPLACE_ON_ANY_CHANGE = new Set(["tls:index/privateKey:PrivateKey", "random:index/randomPassword:RandomPassword", "random:index/randomId:RandomId"]);

/** What the real providers compute, for the resource types the program uses. */
function generateOutputs(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      return privateKeyOutputs(inputs);
    case "random:index/randomPassword:RandomPassword":
      return { result: secretWire(randomString(inputs)), bcryptHash: secretWire("") };
    case "random:index/randomId:RandomId": {
      const bytes = randomBytes(Number(inputs.byteLength));
      return {
        hex: bytes.toString("hex"), b64Std: bytes.toString("base64"), b64Url: bytes.toString("base64url"),
        dec: BigInt(`0x${bytes.toString("hex")}`).toString(),
      };
    }
    default:
      return {};
  }
}

function privateKeyOutputs(inputs: Record<string, unknown>): Record<string, unknown> {
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  switch (inputs.algorithm) {
    case "RSA":
      pair = generateKeyPairSync("rsa", { modulusLength: Number(inputs.rsaBits ?? 2048) });
      break;
    case "ED25519":
      pair = generateKeyPairSync("ed25519");
      break;
    default:
      throw new Error(`mock engine: tls.PrivateKey algorithm ${String(inputs.algorithm)} not supported`);
  }
  const pkcs8 = pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const pem = inputs.algorithm === "RSA" ? pair.privateKey.export({ format: "pem", type: "pkcs1" }).toString() : pkcs8;
  return {
    privateKeyPem: secretWire(pem),
    privateKeyPemPkcs8: secretWire(pkcs8),
    publicKeyPem: pair.publicKey.export({ format: "pem", type: "spki" }).toString(),
  };
}

function randomString(inputs: Record<string, unknown>): string {
  const sets = [
    inputs.lower !== false ? "abcdefghijklmnopqrstuvwxyz" : "",
    inputs.upper !== false ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : "",
    inputs.numeric !== false ? "0123456789" : "",
    inputs.special !== false ? String(inputs.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?") : "",
  ].join("");
  return Array.from({ length: Number(inputs.length) }, () => sets[randomInt(sets.length)]).join("");
}
