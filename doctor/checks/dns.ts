// Check group 1: the DNS records as the world sees them, against the planned records.
import { spf as mailauthSpf } from "mailauth";
import { txtStrings } from "../../plans/txt";
import type { DnsRecordPlan } from "../../plans/dns";
import type { DoctorContext } from "../context";
import { isDkimKey, keyLabel, parseDkimKey } from "../dkim";
import { isDmarc, parseDmarc } from "../dmarc";
import { canonicalIp, sameName } from "../ip";
import { endpoint, openSession } from "../probe";
import { replyText } from "../smtp-client";
import { dnsCode, mailauthResolver, orEmpty } from "../resolver";
import { countSpfLookups, parseSpf, SPF_LOOKUP_LIMIT, spfDefault, spfRecordsOf } from "../spf";
import { CheckResult, result } from "../types";

const planned = (records: DnsRecordPlan[], type: string, name: string) => records.filter((r) => r.type === type && sameName(r.name, name));
const plannedTxt = (r: DnsRecordPlan) => txtStrings(r.content).join("");
const list = (xs: string[]) => (xs.length === 0 ? "(none)" : xs.join(", "));

async function answer<T>(p: Promise<T[]>): Promise<{ values: T[]; error?: string }> {
  try {
    return { values: await orEmpty(p) };
  } catch (e) {
    return { values: [], error: dnsCode(e) };
  }
}

export async function addressChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const host of ctx.targets.hosts) {
    for (const [type, want] of [["A", host.ipv4], ["AAAA", host.ipv6]] as const) {
      const got = await answer(type === "A" ? ctx.resolver.resolve4(host.name) : ctx.resolver.resolve6(host.name));
      if (want.length === 0 && got.values.length === 0 && !got.error) continue;
      const g = new Set(got.values.map(canonicalIp));
      const w = new Set(want.map(canonicalIp));
      const same = !got.error && g.size === w.size && [...w].every((a) => g.has(a));
      const status = same ? "pass" : want.length === 0 ? "warn" : "fail";
      out.push(result(`dns.${type.toLowerCase()}`, host.name, status, got.error ? `DNS error ${got.error}` : list(got.values), list(want),
        want.length === 0
          ? `${type} ${host.name} is published but not in the stack: remove it or add the address to mailstack:hosts`
          : `publish ${type} ${host.name} → ${list(want)} (DNS only) and nothing else: run pulumi up; check with dig ${type} ${host.name}`));
    }
  }
  return out;
}

export async function mxChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const d of ctx.targets.domains) {
    const got = await answer(ctx.resolver.resolveMx(d.name));
    const exchanges = got.values.map((m) => m.exchange.replace(/\.$/, "").toLowerCase());
    const want = planned(ctx.targets.records, "MX", d.name).map((r) => r.content.toLowerCase());
    const wantHosts = want.length > 0 ? want : ctx.targets.hosts.map((h) => h.name.toLowerCase());
    const missing = wantHosts.filter((h) => !exchanges.includes(h));
    const extra = exchanges.filter((x) => !wantHosts.includes(x));
    const observed = got.error ? `DNS error ${got.error}` : list(got.values.map((m) => `${m.priority} ${m.exchange}`));
    const status = got.error || missing.length > 0 ? "fail" : extra.length > 0 ? "warn" : "pass";
    out.push(result("dns.mx", d.name, status, observed, list(wantHosts),
      missing.length > 0 || got.error
        ? `publish MX ${d.name} → ${list(missing.length > 0 ? missing : wantHosts)}: run pulumi up`
        : `MX ${d.name} also lists ${list(extra)} (not in the stack); remove it unless you mean it`));
  }
  return out;
}

/** Names with a planned SPF record: every mail domain and every host name (HELO). */
function spfNames(ctx: DoctorContext): { name: string; planned?: string; ips: string[] }[] {
  const allIps = ctx.targets.hosts.flatMap((h) => [...h.ipv4, ...h.ipv6]);
  const names = [
    ...ctx.targets.domains.map((d) => ({ name: d.name, ips: allIps })),
    ...ctx.targets.hosts.map((h) => ({ name: h.name, ips: [...h.ipv4, ...h.ipv6] })),
  ];
  return names.map((n) => {
    const plan = planned(ctx.targets.records, "TXT", n.name).map(plannedTxt).find((t) => /^v=spf1(\s|$)/i.test(t));
    return { ...n, ...(plan ? { planned: plan } : {}) };
  }).filter((n) => n.planned !== undefined || ctx.targets.domains.some((d) => d.name === n.name));
}

export async function spfChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const n of spfNames(ctx)) {
    const fixOne = `publish exactly one TXT at ${n.name}: "${n.planned ?? "v=spf1 ip4:… ip6:… ~all"}" and delete any other v=spf1 record (pulumi up)`;
    const got = await answer(ctx.resolver.resolveTxt(n.name));
    if (got.error) {
      out.push(result("dns.spf", n.name, "fail", `DNS error ${got.error}`, "one v=spf1 record", fixOne));
      continue;
    }
    const records = spfRecordsOf(got.values);
    if (records.length !== 1) {
      out.push(result("dns.spf", n.name, "fail", records.length === 0 ? "no v=spf1 record" : `${records.length} v=spf1 records (permerror)`, "exactly one v=spf1 record", fixOne));
      continue;
    }
    const text = records[0]!;
    const spf = parseSpf(text);
    const dflt = spfDefault(spf);
    let status: CheckResult["status"] = "pass";
    let why = "";
    if (spf.errors.length > 0) [status, why] = ["fail", spf.errors.join("; ")];
    else if (dflt === "+all") [status, why] = ["fail", "+all authorises the whole internet"];
    else if (dflt === "?all" || dflt.startsWith("none")) [status, why] = ["warn", `default is ${dflt}: receivers treat unlisted senders as neutral`];
    else if (n.planned && text.replace(/\s+/g, " ").trim() !== n.planned) [status, why] = ["warn", "differs from the planned record"];
    out.push(result("dns.spf", n.name, status, why ? `${text} (${why})` : text, n.planned ?? "one valid v=spf1 record ending in ~all or -all", fixOne));

    const count = await countSpfLookups(n.name, ctx.resolver);
    const over = count.count > SPF_LOOKUP_LIMIT;
    out.push(result("dns.spf-lookups", n.name, over || count.errors.length > 0 ? "fail" : "pass",
      `${count.count} lookups${count.errors.length > 0 ? `; ${count.errors.join("; ")}` : ""}`, `≤ ${SPF_LOOKUP_LIMIT} lookups, no loops, every include resolvable`,
      over ? `SPF at ${n.name} needs ${count.count} DNS lookups (limit 10 → permerror): replace a:/mx:/include: with ip4:/ip6: terms or drop includes`
        : `fix the SPF chain of ${n.name}: ${count.errors[0] ?? ""}`));

    for (const ip of n.ips) out.push(await spfAuthorises(ctx, n.name, ip));
  }
  return out;
}

async function spfAuthorises(ctx: DoctorContext, name: string, ip: string): Promise<CheckResult> {
  const host = ctx.targets.hosts.find((h) => [...h.ipv4, ...h.ipv6].includes(ip))?.name ?? name;
  const r = await mailauthSpf({
    sender: `postmaster@${name}`, ip, helo: host, mta: "mailstack-doctor",
    resolver: mailauthResolver(ctx.resolver) as Parameters<typeof mailauthSpf>[0]["resolver"],
  });
  const verdict = r.status.result;
  const status = verdict === "pass" ? "pass" : verdict === "temperror" ? "warn" : "fail";
  const term = ip.includes(":") ? `ip6:${ip}` : `ip4:${ip}`;
  return result("dns.spf-authorises", `${name} ← ${ip}`, status, `spf=${verdict}`, "spf=pass",
    status === "warn" ? `SPF of ${name} could not be evaluated (DNS trouble); retry, check the resolver`
      : `add ${term} to the SPF record at ${name} (mailstack:hosts[].${ip.includes(":") ? "ipv6" : "ipv4"}), then pulumi up`);
}

export async function dkimChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  // Each domain's signing key, and any other key the stack planned for it (an Ed25519 one).
  const recordNames = ctx.targets.domains.flatMap((d) => [...new Set([d.dkimRecordName,
    ...ctx.targets.records.filter((r) => r.type === "TXT" && r.name.endsWith(`._domainkey.${d.name}`)).map((r) => r.name)])]);
  for (const recordName of recordNames) {
    const plan = planned(ctx.targets.records, "TXT", recordName).map(plannedTxt)[0];
    const want = plan === undefined ? undefined : parseDkimKey(plan).p;
    const fix = `publish the planned TXT at ${recordName} (pulumi up); chasquid signs with the matching private key`;
    const got = await answer(ctx.resolver.resolveTxt(recordName));
    const keys = got.values.map((s) => s.join("")).filter(isDkimKey);
    let status: CheckResult["status"];
    let observed: string;
    if (got.error) [status, observed] = ["fail", `DNS error ${got.error}`];
    else if (keys.length === 0) [status, observed] = ["fail", "no DKIM key record"];
    else if (keys.length > 1) [status, observed] = ["fail", `${keys.length} key records (receivers pick one at random)`];
    else {
      const p = parseDkimKey(keys[0]!).p;
      observed = keyLabel(p);
      status = want === undefined ? (p ? "warn" : "fail") : p === want ? "pass" : "fail";
      if (p !== want && want !== undefined && p) observed = `${observed}: differs from the deployed key`;
    }
    out.push(result("dns.dkim", recordName, status, observed, want === undefined ? "a key (no planned record in outputs)" : keyLabel(want), fix));
  }
  return out;
}

export async function dmarcChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const d of ctx.targets.domains) {
    const name = `_dmarc.${d.name}`;
    const plan = planned(ctx.targets.records, "TXT", name).map(plannedTxt)[0];
    const fix = `publish one TXT at ${name}: "${plan ?? "v=DMARC1; p=quarantine"}" (pulumi up)`;
    const got = await answer(ctx.resolver.resolveTxt(name));
    const records = got.values.map((s) => s.join("")).filter(isDmarc);
    const expected = plan ?? "one v=DMARC1 record with p=none|quarantine|reject";
    if (got.error || records.length !== 1) {
      out.push(result("dns.dmarc", name, "fail", got.error ? `DNS error ${got.error}` : records.length === 0 ? "no v=DMARC1 record" : `${records.length} DMARC records (receivers ignore them all)`, expected, fix));
      continue;
    }
    const text = records[0]!;
    const dmarc = parseDmarc(text);
    let status: CheckResult["status"] = "pass";
    let why = "";
    if (dmarc.errors.length > 0) [status, why] = ["fail", dmarc.errors.join("; ")];
    else if (dmarc.tags.p?.toLowerCase() === "none") [status, why] = ["warn", "p=none only monitors"];
    else if (plan && text.replace(/\s+/g, " ").trim() !== plan) [status, why] = ["warn", "differs from the planned record"];
    out.push(result("dns.dmarc", name, status, why ? `${text} (${why})` : text, expected,
      status === "warn" && dmarc.tags.p?.toLowerCase() === "none" ? `set mailstack:domains[].dmarc.policy to quarantine or reject once reports look clean` : fix));
  }
  return out;
}

/**
 * A DKIM rotation under way: which selectors DNS publishes a live key for, and that the one chasquid
 * signs with is among them (the rotation never signs with a key DNS does not publish).
 */
export async function dkimRotationChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const [domain, rotation] of Object.entries(ctx.targets.rotations)) {
    const names = ctx.targets.records.filter((r) => r.type === "TXT" && r.name.endsWith(`._domainkey.${domain}`)).map((r) => r.name);
    const live: string[] = [];
    for (const name of names) {
      const got = await answer(ctx.resolver.resolveTxt(name));
      if (got.values.map((v) => v.join("")).some((t) => isDkimKey(t) && parseDkimKey(t).p)) live.push(name.slice(0, name.indexOf("._domainkey.")));
    }
    const signs = live.includes(rotation.signingSelector);
    out.push(result("dkim.rotation", domain, signs ? "pass" : "fail",
      `${rotation.phase}: chasquid signs with ${rotation.signingSelector}; live keys in DNS: ${live.join(", ") || "none"}`,
      `a live key at ${rotation.signingSelector}._domainkey.${domain}`,
      signs ? "" : `publish ${rotation.signingSelector}._domainkey.${domain} (pulumi up) before anything signs with it`));
  }
  return out;
}

/** Live DNS cannot tell a proxied record; the planned records can. */
export function proxiedCheck(ctx: DoctorContext): CheckResult[] {
  const mailNames = new Set(ctx.targets.hosts.map((h) => h.name.toLowerCase()));
  const proxied = ctx.targets.records.filter((r) => (r as { proxied?: boolean }).proxied === true);
  const mailProxied = proxied.filter((r) => mailNames.has(r.name.toLowerCase()) || r.type === "MX");
  return [result("dns.proxied", "records", mailProxied.length > 0 ? "fail" : "pass",
    mailProxied.length > 0 ? `proxied: ${list(mailProxied.map((r) => `${r.type} ${r.name}`))}` : `${ctx.targets.records.length} records, none proxied`,
    "every mail record DNS only (grey cloud)",
    "set proxied: false (DNS only, grey cloud) on the mail host's A/AAAA in Cloudflare: SMTP cannot pass Cloudflare's HTTP proxy")];
}

/** Whether `host` answers on `address`:`port` as a mail client would find it: a 220 banner (465: after the TLS handshake). */
async function answersOn(ctx: DoctorContext, host: string, address: string, port: number): Promise<{ ok: boolean; said: string }> {
  let close = () => {};
  try {
    const { session } = await openSession(host, address, port, ctx.net);
    close = () => session.close();
    const banner = await session.read();
    return { ok: banner.code === 220, said: replyText(banner) };
  } catch (e) {
    return { ok: false, said: (e as Error).message };
  } finally {
    close();
  }
}

/**
 * The submission SRV records the stack planned (mailstack:submissionSrv): present, pointing at a
 * host of the stack on the planned port, and that host answers there.
 */
export async function srvChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const hostNames = ctx.targets.hosts.map((h) => h.name.toLowerCase());
  for (const plan of ctx.targets.records.filter((r) => r.type === "SRV")) {
    const [, portText, target = ""] = plan.content.split(/\s+/);
    const port = Number(portText);
    const expected = `${plan.priority ?? 0} ${plan.content}, a host of the stack that answers on ${port}`;
    const fix = `publish SRV ${plan.name} → ${port} ${target} (mailstack:submissionSrv: true, then pulumi up); check with dig SRV ${plan.name}`;
    const got = await answer(ctx.resolver.resolveSrv(plan.name));
    const shown = (s: { priority: number; weight: number; port: number; name: string }) => `${s.priority} ${s.weight} ${s.port} ${s.name.replace(/\.$/, "")}`;
    const observed = got.error ? `DNS error ${got.error}` : list(got.values.map(shown));
    const ours = got.values.filter((s) => s.port === port && hostNames.includes(s.name.replace(/\.$/, "").toLowerCase()));
    if (got.error || ours.length === 0) {
      out.push(result("dns.srv", plan.name, "fail", got.values.length > 0 ? `${observed} (not a host of the stack on port ${port})` : observed, expected, fix));
      continue;
    }
    const host = ctx.targets.hosts.find((h) => h.name.toLowerCase() === ours[0]!.name.replace(/\.$/, "").toLowerCase())!;
    const address = host.ipv4[0] ?? host.ipv6[0];
    const reply = address === undefined ? { ok: false, said: "no planned address" } : await answersOn(ctx, host.name, address, port);
    const extra = got.values.length > ours.length ? "warn" : "pass";
    out.push(result("dns.srv", plan.name, reply.ok ? extra : "fail",
      `${observed}; ${address === undefined ? host.name : endpoint(address, port)}: ${reply.said}`, expected,
      reply.ok ? `SRV ${plan.name} also lists targets outside the stack; remove them unless you mean it`
        : `mail clients following SRV ${plan.name} cannot reach ${host.name} on ${port}: see smtp.reach (provider firewall, systemctl status chasquid)`));
  }
  return out;
}

export async function dnsChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  return [
    ...(await addressChecks(ctx)),
    ...(await mxChecks(ctx)),
    ...(await spfChecks(ctx)),
    ...(await dkimChecks(ctx)),
    ...(await dkimRotationChecks(ctx)),
    ...(await dmarcChecks(ctx)),
    ...proxiedCheck(ctx),
    ...(await srvChecks(ctx)),
  ];
}
