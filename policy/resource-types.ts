// Type tokens of the resources the rules look at. Compared as strings so the pack does not need the
// provider SDKs installed (it only depends on @pulumi/policy and @pulumi/pulumi).
export const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";
export const TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey";
export const REMOTE_COMMAND = "command:remote:Command";
export const COPY_TO_REMOTE = "command:remote:CopyToRemote";
/** Deprecated in @pulumi/command 1.x, but it connects over SSH the same way. */
export const COPY_FILE = "command:remote:CopyFile";
/** The component that owns DKIM keys in this program (components/dkim-key.ts). */
export const DKIM_KEY_COMPONENT = "mailstack:index:DkimKey";
