// The full DNS plan of a stack: one pure function from validated config (and the DKIM public keys)
// to every record, in a stable order. Components publish exactly this list.
import type { DomainConfig, StackConfig } from "../stacks/schema";
import { dmarcValue, spfValue } from "./mail-records";
import { txtContent } from "./txt";

export type DnsRecordType = "A" | "AAAA" | "MX" | "TXT" | "SRV";

export interface DnsRecordPlan {
  /** Stable identity (type + name [+ target]); resource names derive from it. */
  key: string;
  /** Cloudflare zone name the record lives in. */
  zone: string;
  /** Fully qualified, no trailing dot. */
  name: string;
  type: DnsRecordType;
  /**
   * A/AAAA: the address; MX: the target host; TXT: quoted strings of at most 255 bytes; SRV:
   * `weight port target` (Cloudflare's form: the priority is apart).
   */
  content: string;
  ttl: number;
  /** MX and SRV only. */
  priority?: number;
  /** SRV only: what `content` says, as the fields Cloudflare's `data` takes (with `priority`). */
  srv?: { weight: number; port: number; target: string };
  /** Mail must reach the host itself: never behind Cloudflare's HTTP proxy. */
  proxied: false;
  /** Shown in Cloudflare's dashboard next to the record. */
  comment: string;
}

/** Per DKIM record name (`<selector>._domainkey.<domain>`): its value (`v=DKIM1; k=…; p=…`, see `dkimValue`). */
export type DkimValues = Record<string, string>;

/** One DKIM key of a domain, and its record. */
export interface DkimKeyPlan {
  selector: string;
  algorithm: "rsa" | "ed25519";
  /** `<selector>._domainkey.<domain>`: where its public key is published, and its key in DkimValues. */
  recordName: string;
}

/** RSA at `dkimSelector` (and at the rotation's next selector while one is under way), Ed25519 at `ed25519Selector`. */
export function dkimKeysOf(domain: Pick<DomainConfig, "name" | "dkimSelector" | "ed25519Selector" | "dkimRotation">): DkimKeyPlan[] {
  const selectors: [string, DkimKeyPlan["algorithm"]][] = [[domain.dkimSelector, "rsa"]];
  if (domain.dkimRotation) selectors.push([domain.dkimRotation.nextSelector, "rsa"]);
  if (domain.ed25519Selector) selectors.push([domain.ed25519Selector, "ed25519"]);
  return selectors.map(([selector, algorithm]) => ({ selector, algorithm, recordName: dkimRecordName(selector, domain.name) }));
}

/** MX priority of the i-th host: 10, 20, 30… (the first host is preferred). */
export const mxPriority = (hostIndex: number) => 10 * (hostIndex + 1);

export function dkimRecordName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}

export function planDnsRecords(config: StackConfig, dkim: DkimValues): DnsRecordPlan[] {
  const ttl = config.dnsTtl;
  const records: DnsRecordPlan[] = [];
  const add = (r: Omit<DnsRecordPlan, "ttl" | "proxied" | "key">, keySuffix = "") =>
    records.push({ key: `${r.type.toLowerCase()}-${r.name}${keySuffix}`, ...r, ttl, proxied: false });

  // The host's own records belong to the stack that owns it (one stack per host publishes them).
  for (const host of config.hosts.filter((h) => h.owner)) {
    add({ zone: host.zone, name: host.hostname, type: "A", content: host.ipv4, comment: "mailstack: mail host" });
    if (host.ipv6) add({ zone: host.zone, name: host.hostname, type: "AAAA", content: host.ipv6, comment: "mailstack: mail host" });
    // Receivers check SPF for the HELO name too (and only it, for bounces with an empty MAIL FROM).
    add({
      zone: host.zone, name: host.hostname, type: "TXT", comment: "mailstack: SPF for the HELO name",
      content: txtContent(spfValue({ ipv4: [host.ipv4], ipv6: host.ipv6 ? [host.ipv6] : [] }, { include: [], all: "-all" })),
    });
  }

  const senders = {
    ipv4: config.hosts.map((h) => h.ipv4),
    ipv6: config.hosts.flatMap((h) => (h.ipv6 ? [h.ipv6] : [])),
  };
  const ourDomains = new Set(config.domains.map((d) => d.name));
  const reportAuthorisations = new Map<string, DnsRecordPlan>();

  for (const domain of config.domains) {
    const { name, zone } = domain;
    config.hosts.forEach((host, i) =>
      add({ zone, name, type: "MX", content: host.hostname, priority: mxPriority(i), comment: "mailstack: mail host" }, `-${host.hostname}`));
    add({ zone, name, type: "TXT", content: txtContent(spfValue(senders, domain.spf)), comment: "mailstack: SPF" });
    for (const key of dkimKeysOf(domain)) {
      const value = dkim[key.recordName];
      if (value === undefined) throw new Error(`no DKIM record value for ${key.recordName}`);
      add({ zone, name: key.recordName, type: "TXT", content: txtContent(value), comment: key.algorithm === "rsa" ? "mailstack: DKIM" : "mailstack: DKIM (Ed25519)" });
    }
    add({ zone, name: `_dmarc.${name}`, type: "TXT", content: txtContent(dmarcValue(domain.dmarc)), comment: "mailstack: DMARC" });

    // RFC 7489 §7.1: reports for this domain sent to another of our domains need that domain's consent.
    for (const address of [...domain.dmarc.rua, ...domain.dmarc.ruf]) {
      const target = address.slice(address.lastIndexOf("@") + 1).toLowerCase();
      if (target === name || !ourDomains.has(target)) continue;
      const targetZone = config.domains.find((d) => d.name === target)!.zone;
      const recordName = `${name}._report._dmarc.${target}`;
      reportAuthorisations.set(recordName, {
        key: `txt-${recordName}`, zone: targetZone, name: recordName, type: "TXT", content: txtContent("v=DMARC1"),
        ttl, proxied: false, comment: "mailstack: DMARC report authorisation",
      });
    }
  }
  records.push(...reportAuthorisations.values());
  if (config.submissionSrv) records.push(...planSubmissionSrv(config));
  return records;
}

/** RFC 6186/8314 submission services and their ports: implicit TLS first, as RFC 8314 prefers. */
export const SUBMISSION_SRV = [
  { service: "_submissions._tcp", port: 465 },
  { service: "_submission._tcp", port: 587 },
] as const;

/** Per domain, one SRV per submission service, at the first host (where `smtp` sends users too). */
export function planSubmissionSrv(config: StackConfig): DnsRecordPlan[] {
  const target = config.hosts[0]!.hostname;
  return config.domains.flatMap(({ name, zone }) => SUBMISSION_SRV.map(({ service, port }): DnsRecordPlan => {
    const srv = { weight: 1, port, target };
    return {
      key: `srv-${service}.${name}`, zone, name: `${service}.${name}`, type: "SRV", content: `${srv.weight} ${srv.port} ${srv.target}`,
      priority: 0, srv, ttl: config.dnsTtl, proxied: false, comment: "mailstack: mail client settings (RFC 6186)",
    };
  }));
}
