import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { renderUsersFile, SALT_BYTES } from "../plans/users-file";

export interface MailUsersArgs {
  /**
   * The mail domain.
   * @example "user.tax"
   */
  domain: string;
  /**
   * Local parts that may authenticate and send.
   * @example ["i"]
   */
  users: string[];
  /**
   * Made only after these: the hosts' claims checks (no password for a domain another stack manages).
   * @default []
   */
  createAfter?: pulumi.Input<pulumi.Resource[]>;
}

/**
 * The senders of one domain: a generated password per user, and chasquid's `users` file rendered
 * from them (scrypt with a salt kept in state, so an unchanged config renders identical bytes).
 * Pass `protect: true` in the options so a rename or `--replace` cannot change a password silently.
 */
export class MailUsers extends pulumi.ComponentResource {
  readonly domain: string;
  /** Per local part, the generated password. Secret. */
  readonly passwords: Record<string, pulumi.Output<string>>;
  /** Content of `/etc/chasquid/domains/<domain>/users`. Secret (it holds password hashes). */
  readonly usersFile: pulumi.Output<string>;

  constructor(name: string, args: MailUsersArgs, opts?: pulumi.ComponentResourceOptions) {
    // `protect` guards the passwords and salts; the component holds nothing and stays removable.
    const { protect, ...componentOpts } = opts ?? {};
    super("mailstack:index:MailUsers", name, {}, componentOpts);
    this.domain = args.domain;
    this.passwords = {};
    const secrets = args.users.map((user) => {
      // 32 letters and digits (~190 bits): nothing to escape in Gmail's form, a URL or a shell.
      const password = new random.RandomPassword(`${name}-${user}-password`, { length: 32, special: false }, { parent: this, protect, dependsOn: args.createAfter });
      const salt = new random.RandomId(`${name}-${user}-salt`, { byteLength: SALT_BYTES }, { parent: this, protect, dependsOn: args.createAfter });
      this.passwords[user] = pulumi.secret(password.result);
      return pulumi.all([password.result, salt.hex]).apply(([pw, hex]) => ({ user, password: pw, saltHex: hex }));
    });
    // Buffers do not survive Output unwrapping: the salt stays hex until the rendering.
    this.usersFile = pulumi.secret(pulumi.all(secrets).apply((list) =>
      renderUsersFile(args.domain, list.map((u) => ({ user: u.user, password: u.password, salt: Buffer.from(u.saltHex, "hex") })))));
    this.registerOutputs({ usersFile: this.usersFile });
  }
}
