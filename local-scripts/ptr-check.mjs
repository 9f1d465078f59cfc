// Run where `pulumi up` runs, before the host's certificate, when the stack does not set the PTR
// itself: is the PTR of each address the host name, as this machine's resolver (or MS_RESOLVER) sees
// it? Gmail refuses or spam-folders mail from an address without forward-confirmed reverse DNS.
// Parameters (environment): MS_HOSTNAME, MS_ADDRESSES (space-separated), MS_RESOLVER (optional),
// MS_ON_MISMATCH (stop | warn).
import { Resolver } from "node:dns/promises";

const { MS_HOSTNAME: hostname, MS_ADDRESSES: addresses, MS_RESOLVER: server, MS_ON_MISMATCH: onMismatch } = process.env;
const resolver = new Resolver({ timeout: 3000, tries: 2 });
if (server) resolver.setServers([server]);
const bare = (name) => name.replace(/\.$/, "").toLowerCase();

const wrong = [];
for (const ip of addresses.split(/\s+/).filter(Boolean)) {
  let names;
  try {
    names = (await resolver.reverse(ip)).map(bare);
  } catch (e) {
    names = [];
    if (e.code !== "ENOTFOUND" && e.code !== "ENODATA") console.log(`note PTR lookup of ${ip} failed: ${e.code ?? e.message}`);
  }
  if (names.includes(bare(hostname))) console.log(`ok   PTR ${ip} → ${hostname}`);
  else wrong.push(`the PTR of ${ip} is ${names.length ? names.join(", ") : "not set"}`);
}
if (wrong.length > 0) {
  const text = `${wrong.join("; ")}, not ${hostname}: receivers such as Gmail refuse or spam-folder its mail. `
    + `Set the PTR of each address to ${hostname}: Contabo: customer panel → Reverse DNS management (https://my.contabo.com/rdns), `
    + "or give the stack mailstack:contabo and it sets them through Contabo's API; other providers: their rDNS/PTR setting. "
    + "Then run pulumi up again";
  if (onMismatch === "warn") {
    console.log(`WARN ${text} (mailstack:reverseDns.check is warn, so the deploy goes on)`);
  } else {
    console.error(`mailstack: ERROR: ${text} (or set mailstack:reverseDns.check to warn to go on without it)`);
    process.exit(1);
  }
}
