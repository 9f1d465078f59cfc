import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { dkimEd25519Value, dkimValue } from "../plans/mail-records";
import { DEFAULT_DKIM_SELECTOR } from "../stacks/schema";

export interface DkimKeyArgs {
  /**
   * The mail domain the key signs for (`d=`).
   * @example "user.tax"
   */
  domain: string;
  /**
   * The selector (`s=`); the public key is published at `<selector>._domainkey.<domain>`.
   * @default "mailstack" (set by the stack config)
   */
  selector: string;
  /**
   * `rsa`: RSA 2048, the signature every receiver checks. `ed25519`: a second signature (RFC 8463)
   * for receivers that check it; its record carries the raw 32-byte key.
   * @default "rsa"
   */
  algorithm?: "rsa" | "ed25519";
  /**
   * Made only after these: the hosts' claims checks (no key for a domain another stack manages).
   * @default []
   */
  createAfter?: pulumi.Input<pulumi.Resource[]>;
}

/**
 * One DKIM signing key: RSA 2048 (the size every receiver accepts and that fits one TXT record in
 * two strings), or Ed25519. The private key exists only as a secret output. The key belongs to its selector: a
 * new selector makes a new key (rotation), and the key of the default selector keeps the name it
 * always had. Pass `protect: true` in the options so a rename or `--replace` cannot swap the key
 * silently under a published selector.
 */
export class DkimKey extends pulumi.ComponentResource {
  readonly domain: string;
  readonly selector: string;
  /** SPKI PEM of the public key. */
  readonly publicKeyPem: pulumi.Output<string>;
  /** `v=DKIM1; k=rsa; p=…` (or `k=ed25519`), the TXT value to publish. */
  readonly dnsValue: pulumi.Output<string>;
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`): what chasquid 1.14+ loads natively and dkimpy also reads. Secret. */
  readonly privateKeyPem: pulumi.Output<string>;

  constructor(name: string, args: DkimKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    // `protect` guards the key itself; the component holds nothing and stays removable.
    const { protect, ...componentOpts } = opts ?? {};
    super("mailstack:index:DkimKey", name, {}, componentOpts);
    this.domain = args.domain;
    this.selector = args.selector;
    const ed25519 = args.algorithm === "ed25519";
    // Named by domain and selector, not by this component: a rotation's next key becomes the
    // domain's signing key (another component) under the same name, so it is never re-made.
    const keyName = ed25519 ? `dkim-ed25519-${args.domain}-key-${args.selector}`
      : args.selector === DEFAULT_DKIM_SELECTOR ? `dkim-${args.domain}-key` : `dkim-${args.domain}-key-${args.selector}`;
    const key = new tls.PrivateKey(keyName, ed25519 ? { algorithm: "ED25519" } : { algorithm: "RSA", rsaBits: 2048 },
      { parent: this, protect, dependsOn: args.createAfter });
    this.publicKeyPem = key.publicKeyPem;
    this.dnsValue = key.publicKeyPem.apply(ed25519 ? dkimEd25519Value : dkimValue);
    this.privateKeyPem = pulumi.secret(key.privateKeyPemPkcs8);
    this.registerOutputs({ selector: this.selector, dnsValue: this.dnsValue });
  }
}
