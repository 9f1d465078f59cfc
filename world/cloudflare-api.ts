// The world's Cloudflare API (/client/v4): zones and DNS records with Cloudflare's envelope, ids,
// fields, refusals and normalisation, over a pluggable DNS backend (in the world: knot, world/dns.ts).
// What DNS cannot hold (id, comment, proxied, tags, settings, timestamps, the content as Cloudflare
// stores it) lives in a small side store; DNS stays the truth for which records exist.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { DnsRecord, isQuotedTxt, rdataOf, SUPPORTED_TYPES, txtQuote, txtRdata, ttlOf } from "./dns-records";

/** Where records really live. The world's implementation is world/dns.ts (knot via knotc). */
export interface DnsBackend {
  listZones(): Promise<string[]>;
  /** Publishes one record; fails for an identical one. */
  addRecord(r: DnsRecord): Promise<void>;
  /** Takes a record as listRecords returned it. */
  removeRecord(r: DnsRecord): Promise<void>;
  /** Every record of the zone but SOA and apex NS, in the backend's own presentation. */
  listRecords(zone: string): Promise<DnsRecord[]>;
}

/** One record as Cloudflare stores it: the DNS fields plus what DNS has no place for. */
export interface StoredRecord extends Normalised {
  zone: string;
  created_on: string;
  modified_on: string;
  comment_modified_on?: string;
  tags_modified_on?: string;
}

export interface SideData {
  version: 1;
  /** When this store began; the created_on of zones and of records the API did not create. */
  created_on: string;
  records: Record<string, StoredRecord>;
}

export interface SideStore {
  load(): SideData;
  save(d: SideData): void;
}

const emptySide = (): SideData => ({ version: 1, created_on: new Date().toISOString(), records: {} });

/** The side store as a JSON file, replaced atomically (tmp + rename) so a crash never leaves half of it. */
export function fileStore(file: string): SideStore {
  const save = (d: SideData) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(d, null, 2)}\n`);
    fs.renameSync(tmp, file);
  };
  return {
    load() {
      if (!fs.existsSync(file)) {
        const d = emptySide();
        save(d); // fixes created_on now, so it stays the same across restarts
        return d;
      }
      const d = JSON.parse(fs.readFileSync(file, "utf8")) as SideData;
      if (d.version !== 1) throw new Error(`${file}: unsupported side store version ${String(d.version)}`);
      return d;
    },
    save,
  };
}

export function memoryStore(): SideStore {
  let d = emptySide();
  return { load: () => structuredClone(d), save: (x) => { d = structuredClone(x); } };
}

// ---------------------------------------------------------------------------------------------
// Ids

/** 32 hex characters, like Cloudflare's ids. */
const hex32 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 32);
/** Zone ids depend on the name only, so they survive restarts and new worlds alike. */
export const zoneId = (zone: string) => hex32(`zone:${zone}`);
/** The world's one account. */
export const WORLD_ACCOUNT_ID = hex32("account:mailstack-world");

// ---------------------------------------------------------------------------------------------
// Errors and envelope

export interface CfError {
  code: number;
  message: string;
  error_chain?: { code: number; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly errors: CfError[]) {
    super(errors.map((e) => e.message).join("; "));
  }
}

const fail = (status: number, code: number, message: string) => new ApiError(status, [{ code, message }]);
/** Cloudflare reports most record validation errors as 1004 with the cause in error_chain. */
const invalid = (code: number, message: string) =>
  new ApiError(400, [{ code: 1004, message: "DNS Validation Error", error_chain: [{ code, message }] }]);

export const MESSAGES = {
  auth: "Authentication error",
  ttl: "TTL must be between 60 and 86400 seconds, or 1 for Automatic.",
  priority: "priority is a required field.",
  identical: "An identical record already exists.",
  quota: "Record quota exceeded.",
  notFound: "Record does not exist.",
  cnameConflict: "An A, AAAA, or CNAME record with that host already exists.",
  ipv4: "Content for A record must be a valid IPv4 address.",
  ipv6: "Content for AAAA record must be a valid IPv6 address.",
  notProxiable: "This record type cannot be proxied.",
  body: "Request body is invalid.",
};

const envelope = (result: unknown, resultInfo?: object) => ({
  success: true, errors: [], messages: [], result, ...(resultInfo ? { result_info: resultInfo } : {}),
});

// ---------------------------------------------------------------------------------------------
// Normalisation: what Cloudflare stores for what it is sent

const PROXIABLE = new Set(["A", "AAAA", "CNAME"]);
const HOST_TARGET = new Set(["CNAME", "MX", "NS", "PTR"]);

/** RFC 5952 form (lower case, longest zero run as ::), as Cloudflare returns AAAA content. */
export function canonicalIpv6(ip: string): string | null {
  if (!net.isIPv6(ip) || ip.includes("%")) return null;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

const LABEL = /^(?:\*|[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$/;
function validHost(n: string): boolean {
  return n.length > 0 && n.length <= 253 && n.split(".").every((l) => LABEL.test(l));
}

/**
 * The full record name Cloudflare stores: lower case, no trailing dot, `@` = the apex, a single
 * label = relative to the zone. A dotted name outside the zone is refused (not silently moved
 * under the zone) so a planning mistake shows as an error.
 */
export function recordName(zone: string, raw: string): string {
  let n = raw.trim().toLowerCase().replace(/\.$/, "");
  if (n === "@" || n === "") n = zone;
  else if (!n.includes(".")) n = `${n}.${zone}`;
  if (n !== zone && !n.endsWith(`.${zone}`)) {
    throw fail(400, 9000, `DNS name is invalid: ${raw} is not in the zone ${zone}.`);
  }
  if (!validHost(n)) throw fail(400, 9000, `DNS name is invalid: ${raw}.`);
  return n;
}

/** The bytes of each character-string of quoted TXT content ("a" "b\"c" "\195\169"). */
export function txtBytes(quoted: string): Buffer[] {
  const out: Buffer[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/gs;
  for (let m = re.exec(quoted); m; m = re.exec(quoted)) {
    const bytes: number[] = [];
    const s = m[1] ?? "";
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      if (c === "\\" && /^\d{3}$/.test(s.slice(i + 1, i + 4))) {
        bytes.push(Number(s.slice(i + 1, i + 4)) & 0xff);
        i += 3;
      } else {
        if (c === "\\") i++;
        // A whole code point, so surrogate pairs stay one character.
        const cp = s.codePointAt(i) ?? 0;
        if (cp > 0xffff) i++;
        bytes.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
      }
    }
    out.push(Buffer.from(bytes));
  }
  return out;
}

/**
 * TXT content as Cloudflare stores it: as sent (unquoted stays unquoted, quoted keeps its quotes),
 * except that a character-string over 255 bytes is split into quoted 255-byte strings. So a long
 * value sent as one string comes back split, and shows as drift after a refresh, as on Cloudflare.
 */
export function normaliseTxt(content: string): string {
  if (isQuotedTxt(content)) {
    const strings = txtBytes(content);
    if (strings.every((b) => b.length <= 255)) return content;
    return strings.map((b) => txtQuote(b)).join(" ");
  }
  const bytes = Buffer.from(content, "utf8");
  return bytes.length <= 255 ? content : txtQuote(bytes);
}

/** What makes two records the same DNS record, whichever way their content is written. */
export function wireKey(r: Pick<DnsRecord, "name" | "type" | "content" | "priority">): string {
  const type = r.type.toUpperCase();
  let c = r.content.trim();
  // TXT whitespace is content (txtRdata trims quoted content only).
  if (type === "TXT") c = txtBytes(txtRdata(r.content)).map((b) => b.toString("hex")).join(",");
  else if (type === "AAAA") c = canonicalIpv6(c) ?? c;
  else if (HOST_TARGET.has(type)) c = c.toLowerCase().replace(/\.$/, "");
  else if (type === "SRV") c = c.toLowerCase().replace(/\.$/, "").split(/\s+/).join(" ");
  else c = c.split(/\s+/).join(" ");
  const prio = type === "MX" || type === "SRV" ? String(r.priority ?? "") : "";
  return JSON.stringify([r.name.toLowerCase().replace(/\.$/, ""), type, prio, c]);
}

type Body = Record<string, unknown>;

/** The DNS part and Cloudflare's own fields of a request body, validated and normalised. */
export interface Normalised extends Omit<DnsRecord, "zone"> {
  proxied: boolean;
  comment: string | null;
  tags: string[];
  settings: Record<string, unknown>;
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

export function normaliseRecord(zone: string, body: Body): Normalised {
  const str = (k: string): string | undefined => {
    const v = body[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw invalid(9100, `${k} must be a string.`);
    return v;
  };
  const typeRaw = str("type");
  if (!typeRaw) throw invalid(9100, "type is a required field.");
  const type = typeRaw.toUpperCase();
  if (!SUPPORTED_TYPES.includes(type)) {
    throw invalid(1004, `The local world does not serve ${type} records (it serves ${SUPPORTED_TYPES.join(", ")}).`);
  }
  const nameRaw = str("name");
  if (nameRaw === undefined) throw invalid(9100, "name is a required field.");
  const name = recordName(zone, nameRaw);
  // SRV comes as `data` from the Cloudflare provider (6.x), which Cloudflare turns into its content
  // and priority, ignoring those fields when sent beside it. Other types' data the world does not take.
  const srvData = type === "SRV" && body.data !== undefined && body.data !== null ? srvFromData(body.data) : undefined;
  if (body.data !== undefined && body.data !== null && srvData === undefined && body.content === undefined) {
    throw invalid(1004, `The local world takes ${type} records as content, not data.`);
  }
  const contentRaw = srvData ? `${srvData.weight} ${srvData.port} ${srvData.target}` : str("content");
  if (contentRaw === undefined || contentRaw.trim() === "") throw invalid(9100, "content is a required field.");

  let content = contentRaw.trim();
  switch (type) {
    case "A":
      if (!net.isIPv4(content)) throw fail(400, 9005, MESSAGES.ipv4);
      break;
    case "AAAA": {
      const c = canonicalIpv6(content);
      if (c === null) throw fail(400, 9006, MESSAGES.ipv6);
      content = c;
      break;
    }
    case "TXT":
      content = normaliseTxt(contentRaw);
      break;
    case "SRV": {
      const [w, p, t, extra] = content.split(/\s+/);
      const port = (x: string | undefined) => x !== undefined && /^\d+$/.test(x) && Number(x) <= 65535;
      if (!port(w) || !port(p) || t === undefined || extra !== undefined || !validHost(t.toLowerCase().replace(/\.$/, ""))) {
        throw invalid(1004, `Content for SRV record must be "weight port target": ${contentRaw}`);
      }
      content = `${w} ${p} ${t.toLowerCase().replace(/\.$/, "")}`;
      break;
    }
    case "CAA":
      if (!/^\d{1,3}\s+[a-z0-9]+\s+"(?:[^"\\]|\\.)*"$/i.test(content)) {
        throw invalid(1004, `Content for CAA record must be 'flags tag "value"': ${contentRaw}`);
      }
      break;
    default: // CNAME, MX, NS, PTR: a host name, stored lower case without the trailing dot
      content = content.toLowerCase().replace(/\.$/, "");
      if (!validHost(content)) throw fail(400, 9007, `Content for ${type} record is invalid.`);
  }

  let priority: number | undefined;
  if (type === "MX" || type === "SRV") {
    const p = srvData ? srvData.priority : body.priority;
    if (p === undefined || p === null) throw invalid(9100, MESSAGES.priority);
    if (!isInt(p) || p < 0 || p > 65535) throw invalid(9100, "priority must be an integer between 0 and 65535.");
    priority = p;
  }

  const proxiedRaw = body.proxied ?? false;
  if (typeof proxiedRaw !== "boolean") throw invalid(1004, "proxied must be a boolean.");
  if (proxiedRaw && !PROXIABLE.has(type)) throw fail(400, 9004, MESSAGES.notProxiable);

  const ttlRaw = body.ttl ?? 1;
  if (!isInt(ttlRaw) || (ttlRaw !== 1 && (ttlRaw < 60 || ttlRaw > 86400))) throw invalid(9021, MESSAGES.ttl);
  // A proxied record's TTL is Cloudflare's (automatic), whatever was sent.
  const ttl = proxiedRaw ? 1 : ttlRaw;

  const comment = str("comment") ?? null;
  const tagsRaw = body.tags ?? [];
  if (!Array.isArray(tagsRaw) || !tagsRaw.every((t) => typeof t === "string")) throw invalid(1004, "tags must be a list of strings.");
  const settingsRaw = body.settings ?? {};
  if (typeof settingsRaw !== "object" || settingsRaw === null || Array.isArray(settingsRaw)) {
    throw invalid(1004, "settings must be an object.");
  }
  return {
    name, type, content, ttl, ...(priority !== undefined ? { priority } : {}), proxied: proxiedRaw,
    comment: comment === "" ? null : comment, tags: tagsRaw as string[], settings: settingsRaw as Record<string, unknown>,
  };
}

/** An SRV record's `data` ({ priority, weight, port, target }), checked as Cloudflare checks it. */
function srvFromData(data: unknown): { priority: number; weight: number; port: number; target: string } {
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw invalid(1004, "data must be an object.");
  const d = data as Record<string, unknown>;
  const field = (k: "priority" | "weight" | "port") => {
    const v = d[k];
    if (v === undefined || v === null) throw invalid(9100, `${k} is a required data field.`);
    if (!isInt(v) || v < 0 || v > 65535) throw invalid(9100, `data.${k} must be an integer between 0 and 65535.`);
    return v;
  };
  const [priority, weight, port] = [field("priority"), field("weight"), field("port")];
  const target = d.target;
  if (typeof target !== "string" || target.trim() === "") throw invalid(9100, "target is a required data field.");
  return { priority, weight, port, target: target.trim() };
}

/** The `data` Cloudflare returns with an SRV record: its content and priority as fields. */
export function srvDataOf(r: { content: string; priority?: number }): { priority: number; weight: number; port: number; target: string } {
  const [w, p, t] = r.content.trim().split(/\s+/);
  return { priority: r.priority ?? 0, weight: Number(w), port: Number(p), target: t ?? "" };
}

// ---------------------------------------------------------------------------------------------
// A backend in memory, with knot's presentation and refusals (tests; running without a world)

export function memoryBackend(zones: string[]): DnsBackend & { records: DnsRecord[] } {
  const records: DnsRecord[] = [];
  // What knot prints back: TXT as quoted strings, AAAA canonical, host names lower case.
  const present = (r: DnsRecord): DnsRecord => {
    rdataOf(r); // refuses what knot would refuse
    const type = r.type.toUpperCase();
    let content = r.content;
    if (type === "TXT") content = txtRdata(content);
    else if (type === "AAAA") content = canonicalIpv6(content) ?? content;
    else if (HOST_TARGET.has(type)) content = content.toLowerCase().replace(/\.$/, "");
    return { ...r, name: r.name.toLowerCase(), type, content, ttl: ttlOf(r.ttl) };
  };
  return {
    records,
    listZones: async () => [...zones],
    async addRecord(r) {
      if (!zones.includes(r.zone)) throw new Error(`no zone ${r.zone}`);
      const p = present(r);
      if (records.some((x) => wireKey(x) === wireKey(p))) throw new Error(`identical record exists: ${wireKey(p)}`);
      records.push(p);
    },
    async removeRecord(r) {
      const i = records.findIndex((x) => x.zone === r.zone && wireKey(x) === wireKey(r));
      if (i < 0) throw new Error(`no such record: ${wireKey(r)}`);
      records.splice(i, 1);
    },
    listRecords: async (zone) => records.filter((r) => r.zone === zone).map((r) => ({ ...r })),
  };
}

// ---------------------------------------------------------------------------------------------
// The API

export interface CloudflareApiOptions {
  /** The API token; requests must carry `Authorization: Bearer <token>`. */
  token: string;
  accountId?: string;
  backend: DnsBackend;
  store: SideStore;
  /** Name servers reported for every zone. */
  nameServers?: string[];
  /** One line per request (method, path, status); never headers, so never the token. */
  log?: (line: string) => void;
  /** The failure to play now, if any (read at every request): how tests interrupt a deploy. */
  fault?: () => ApiFault | undefined;
}

/**
 * A failure the API plays on purpose, as Cloudflare does on a bad day:
 * - `unavailable`: every request answers 503 with the edge's HTML page (an outage);
 * - `hang`: requests get no answer, and the connection is closed after `closeAfterMs`;
 * - `refuse`: creating or changing a record of that name fails with 400, quota exceeded;
 * - `slow`: every request is carried out at once and answered `delayMs` later (a client killed
 *   meanwhile never learns that its record was made).
 */
export type ApiFault =
  | { kind: "unavailable" }
  | { kind: "hang"; closeAfterMs: number }
  | { kind: "refuse"; name: string }
  | { kind: "slow"; delayMs: number };

interface Live {
  id: string;
  rec: StoredRecord;
  /** The record as the backend lists it (what removeRecord takes back). */
  dns: DnsRecord;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(fail(413, 9207, `${MESSAGES.body} (over ${MAX_BODY} bytes)`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => {
      try {
        const v: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
        if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
        resolve(v as Body);
      } catch {
        reject(fail(400, 9207, MESSAGES.body));
      }
    });
    req.on("error", reject);
    // A client that went away before its body was read (killed meanwhile: the request waited its
    // turn) never sends "end": without this its request, and every one queued after it, would hang.
    const gone = () => reject(fail(400, 9207, `${MESSAGES.body} (the client went away)`));
    if (req.destroyed && !req.readableEnded) gone();
    req.on("close", () => { if (!req.readableEnded) gone(); });
  });
}

function paging(q: URLSearchParams, def: number, max: number): { page: number; perPage: number } {
  const n = (k: string, d: number) => {
    const v = Number(q.get(k) ?? d);
    return Number.isInteger(v) && v >= 1 ? v : d;
  };
  return { page: n("page", 1), perPage: Math.min(n("per_page", def), max) };
}

function pageOf<T>(all: T[], page: number, perPage: number) {
  const items = all.slice((page - 1) * perPage, page * perPage);
  return {
    items,
    info: { page, per_page: perPage, count: items.length, total_count: all.length, total_pages: Math.max(1, Math.ceil(all.length / perPage)) },
  };
}

export function createCloudflareApi(o: CloudflareApiOptions): http.Server {
  const accountId = o.accountId ?? WORLD_ACCOUNT_ID;
  const nameServers = o.nameServers ?? ["ns.world.test"];
  const tokenHash = createHash("sha256").update(o.token).digest();
  const tokenId = hex32(`token:${o.token}`);

  let chain: Promise<unknown> = Promise.resolve();
  /** One request at a time: a read never sees an update half done, two creates never race. */
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const p = chain.then(f, f);
    chain = p.catch(() => undefined);
    return p;
  };

  function authorize(req: http.IncomingMessage): void {
    const m = /^Bearer\s+(\S+)\s*$/.exec(req.headers.authorization ?? "");
    const given = createHash("sha256").update(m?.[1] ?? "").digest();
    if (!m || !timingSafeEqual(given, tokenHash)) throw fail(403, 10000, MESSAGES.auth);
  }

  async function zoneById(id: string, pathname: string): Promise<string> {
    const zone = (await o.backend.listZones()).find((z) => zoneId(z) === id);
    if (!zone) throw fail(400, 7003, `Could not route to ${pathname}, perhaps your object identifier is invalid?`);
    return zone;
  }

  function zoneObject(name: string, createdOn: string) {
    return {
      id: zoneId(name),
      name,
      status: "active",
      paused: false,
      type: "full",
      development_mode: 0,
      name_servers: nameServers,
      original_name_servers: null,
      original_registrar: null,
      original_dnshost: null,
      vanity_name_servers: [],
      created_on: createdOn,
      modified_on: createdOn,
      activated_on: createdOn,
      meta: { step: 2, custom_certificate_quota: 0, page_rule_quota: 3, phishing_detected: false },
      owner: { id: null, type: "user", email: null },
      account: { id: accountId, name: "mailstack local world" },
      tenant: { id: null, name: null },
      tenant_unit: { id: null },
      permissions: ["#dns_records:edit", "#dns_records:read", "#zone:read"],
      plan: {
        id: "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", name: "Free Website", price: 0, currency: "USD", frequency: "",
        is_subscribed: false, can_subscribe: false, legacy_id: "free", legacy_discount: false, externally_managed: false,
      },
    };
  }

  function recordObject(zone: string, id: string, r: StoredRecord) {
    return {
      id,
      zone_id: zoneId(zone),
      zone_name: zone,
      name: r.name,
      type: r.type,
      content: r.content,
      ...(r.priority !== undefined ? { priority: r.priority } : {}),
      ...(r.type === "SRV" ? { data: srvDataOf(r) } : {}),
      proxiable: PROXIABLE.has(r.type),
      proxied: r.proxied,
      ttl: r.ttl,
      settings: r.settings,
      meta: {},
      comment: r.comment,
      tags: r.tags,
      created_on: r.created_on,
      modified_on: r.modified_on,
      ...(r.comment_modified_on ? { comment_modified_on: r.comment_modified_on } : {}),
      ...(r.tags_modified_on ? { tags_modified_on: r.tags_modified_on } : {}),
    };
  }

  /**
   * The zone's records: every record the backend holds, with Cloudflare's fields from the side
   * store where the API made it, and a hash-derived id and defaults where something else did.
   */
  async function live(zone: string, side: SideData): Promise<Live[]> {
    const byKey = new Map<string, [string, StoredRecord]>();
    for (const [id, r] of Object.entries(side.records)) if (r.zone === zone) byKey.set(wireKey(r), [id, r]);
    const out: Live[] = [];
    for (const dns of await o.backend.listRecords(zone)) {
      const key = wireKey(dns);
      const hit = byKey.get(key);
      byKey.delete(key);
      if (hit) {
        out.push({ id: hit[0], rec: hit[1], dns });
      } else {
        const rec: StoredRecord = {
          zone, name: dns.name, type: dns.type, content: dns.content, ttl: dns.ttl,
          ...(dns.type === "MX" || dns.type === "SRV" ? { priority: dns.priority } : {}),
          proxied: false, comment: null, tags: [], settings: {}, created_on: side.created_on, modified_on: side.created_on,
        };
        out.push({ id: hex32(`record:${zone}:${key}`), rec, dns });
      }
    }
    // Side entries whose record left DNS behind the API's back are forgotten.
    for (const [id] of byKey.values()) delete side.records[id];
    return out.sort((a, b) => a.rec.type.localeCompare(b.rec.type) || a.rec.name.localeCompare(b.rec.name) || a.rec.content.localeCompare(b.rec.content));
  }

  function find(all: Live[], id: string): Live {
    const l = all.find((x) => x.id === id);
    if (!l) throw fail(404, 81044, MESSAGES.notFound);
    return l;
  }

  /** Cloudflare's refusals that depend on the other records of the zone. */
  function conflicts(all: Live[], n: Normalised, selfId?: string): void {
    const others = all.filter((l) => l.id !== selfId);
    const key = wireKey(n);
    if (others.some((l) => wireKey(l.rec) === key)) throw fail(400, 81058, MESSAGES.identical);
    const atName = others.filter((l) => l.rec.name === n.name);
    const clash = n.type === "CNAME"
      ? atName.some((l) => ["A", "AAAA", "CNAME"].includes(l.rec.type))
      : ["A", "AAAA"].includes(n.type) && atName.some((l) => l.rec.type === "CNAME");
    if (clash) throw fail(400, 81053, MESSAGES.cnameConflict);
  }

  const toDns = (zone: string, r: Normalised | StoredRecord): DnsRecord => ({
    zone, name: r.name, type: r.type, content: r.content, ttl: r.ttl, ...(r.priority !== undefined ? { priority: r.priority } : {}),
  });

  function stored(zone: string, n: Normalised, prev: StoredRecord | null, now: string): StoredRecord {
    const r: StoredRecord = {
      zone, ...n, created_on: prev?.created_on ?? now, modified_on: now,
    };
    const commentAt = prev ? (prev.comment !== n.comment ? now : prev.comment_modified_on) : n.comment !== null ? now : undefined;
    const tagsAt = prev ? (JSON.stringify(prev.tags) !== JSON.stringify(n.tags) ? now : prev.tags_modified_on) : n.tags.length ? now : undefined;
    if (commentAt) r.comment_modified_on = commentAt;
    if (tagsAt) r.tags_modified_on = tagsAt;
    return r;
  }

  async function createRecord(zone: string, body: Body) {
    const n = normaliseRecord(zone, body);
    const side = o.store.load();
    const all = await live(zone, side);
    conflicts(all, n);
    const id = randomBytes(16).toString("hex");
    const rec = stored(zone, n, null, new Date().toISOString());
    // Side entry first: a crash after the DNS change still finds the record under this id.
    side.records[id] = rec;
    o.store.save(side);
    try {
      await o.backend.addRecord(toDns(zone, n));
    } catch (e) {
      delete side.records[id];
      o.store.save(side);
      throw e;
    }
    return recordObject(zone, id, rec);
  }

  async function updateRecord(zone: string, id: string, body: Body, partial: boolean) {
    const side = o.store.load();
    const all = await live(zone, side);
    const cur = find(all, id);
    const merged: Body = partial
      ? { name: cur.rec.name, type: cur.rec.type, content: cur.rec.content, ttl: cur.rec.ttl, priority: cur.rec.priority,
          proxied: cur.rec.proxied, comment: cur.rec.comment, tags: cur.rec.tags, settings: cur.rec.settings, ...body }
      : body;
    const n = normaliseRecord(zone, merged);
    conflicts(all, n, id);
    const rec = stored(zone, n, cur.rec, new Date().toISOString());
    const prevEntry = side.records[id];
    side.records[id] = rec;
    o.store.save(side);
    // Metadata-only changes leave DNS alone; otherwise the old record goes and the new one comes.
    if (wireKey(cur.rec) !== wireKey(n) || cur.rec.ttl !== n.ttl) {
      try {
        await o.backend.removeRecord(cur.dns);
      } catch (e) {
        if (prevEntry) side.records[id] = prevEntry;
        else delete side.records[id];
        o.store.save(side);
        throw e;
      }
      try {
        await o.backend.addRecord(toDns(zone, n));
      } catch (e) {
        await o.backend.addRecord(cur.dns).catch(() => undefined); // put the old one back
        if (prevEntry) side.records[id] = prevEntry;
        else delete side.records[id];
        o.store.save(side);
        throw e;
      }
    }
    return recordObject(zone, id, rec);
  }

  async function deleteRecord(zone: string, id: string) {
    const side = o.store.load();
    const cur = find(await live(zone, side), id);
    await o.backend.removeRecord(cur.dns);
    delete side.records[id];
    o.store.save(side);
    return { id };
  }

  async function listRecords(zone: string, q: URLSearchParams) {
    const side = o.store.load();
    const all = (await live(zone, side)).map((l) => recordObject(zone, l.id, l.rec));
    const tests: ((r: ReturnType<typeof recordObject>) => boolean)[] = [];
    const text = (field: "name" | "content" | "comment", get: (r: ReturnType<typeof recordObject>) => string) => {
      const exact = q.get(`${field}.exact`) ?? q.get(field);
      const norm = (s: string) => (field === "name" ? s.toLowerCase().replace(/\.$/, "") : s);
      if (exact !== null) tests.push((r) => norm(get(r)) === norm(exact));
      for (const [op, f] of [["contains", "includes"], ["startswith", "startsWith"], ["endswith", "endsWith"]] as const) {
        const v = q.get(`${field}.${op}`);
        if (v !== null) tests.push((r) => get(r).toLowerCase()[f](v.toLowerCase()));
      }
    };
    text("name", (r) => r.name);
    text("content", (r) => r.content);
    text("comment", (r) => r.comment ?? "");
    const type = q.get("type");
    if (type !== null) tests.push((r) => r.type === type.toUpperCase());
    const proxied = q.get("proxied");
    if (proxied !== null) tests.push((r) => String(r.proxied) === proxied);
    const any = q.get("match") === "any";
    const hits = all.filter((r) => tests.length === 0 || (any ? tests.some((t) => t(r)) : tests.every((t) => t(r))));
    const order = q.get("order");
    if (order === "type" || order === "name" || order === "content" || order === "ttl" || order === "proxied") {
      hits.sort((a, b) => String(a[order]).localeCompare(String(b[order]), undefined, { numeric: true }));
    }
    if (q.get("direction") === "desc") hits.reverse();
    const { page, perPage } = paging(q, 100, 50_000);
    const p = pageOf(hits, page, perPage);
    return envelope(p.items, p.info);
  }

  async function listZones(q: URLSearchParams) {
    const side = o.store.load();
    let zones = (await o.backend.listZones()).slice().sort();
    const name = q.get("name");
    if (name !== null) zones = zones.filter((z) => z === name.toLowerCase().replace(/\.$/, ""));
    const status = q.get("status");
    if (status !== null && status !== "active") zones = [];
    const acct = q.get("account.id");
    if (acct !== null && acct !== accountId) zones = [];
    const { page, perPage } = paging(q, 20, 50);
    const p = pageOf(zones.map((z) => zoneObject(z, side.created_on)), page, perPage);
    return envelope(p.items, p.info);
  }

  /** The body, unless a `refuse` fault names its record. */
  function refusedByFault(body: Body): Body {
    const f = o.fault?.();
    if (f?.kind === "refuse" && String(body.name ?? "").toLowerCase().replace(/\.$/, "") === f.name) throw fail(400, 81045, MESSAGES.quota);
    return body;
  }

  async function route(req: http.IncomingMessage, url: URL): Promise<{ status: number; body: unknown }> {
    const method = req.method ?? "GET";
    const seg = url.pathname.replace(/\/+$/, "").split("/").slice(1);
    if (seg[0] !== "client" || seg[1] !== "v4") throw fail(400, 7000, "No route for that URI");
    const p = seg.slice(2);
    const ok = (result: unknown) => ({ status: 200, body: envelope(result) });
    const allow = (...methods: string[]) => {
      if (!methods.includes(method)) throw fail(405, 10405, `Method ${method} not allowed for ${url.pathname}`);
    };

    if (p.length === 3 && p[0] === "user" && p[1] === "tokens" && p[2] === "verify") {
      allow("GET");
      return ok({ id: tokenId, status: "active" });
    }
    if (p[0] !== "zones") throw fail(400, 7000, "No route for that URI");
    if (p.length === 1) {
      allow("GET");
      return { status: 200, body: await listZones(url.searchParams) };
    }
    const zone = await zoneById(p[1]!, url.pathname);
    if (p.length === 2) {
      allow("GET");
      return ok(zoneObject(zone, o.store.load().created_on));
    }
    if (p[2] !== "dns_records" || p.length > 4) throw fail(400, 7000, "No route for that URI");
    if (p.length === 3) {
      allow("GET", "POST");
      if (method === "GET") return { status: 200, body: await listRecords(zone, url.searchParams) };
      return ok(await createRecord(zone, refusedByFault(await readBody(req))));
    }
    const id = p[3]!;
    allow("GET", "PUT", "PATCH", "DELETE");
    switch (method) {
      case "GET": {
        const l = find(await live(zone, o.store.load()), id);
        return ok(recordObject(zone, l.id, l.rec));
      }
      case "PUT":
      case "PATCH":
        return ok(await updateRecord(zone, id, refusedByFault(await readBody(req)), method === "PATCH"));
      default:
        return ok(await deleteRecord(zone, id));
    }
  }

  return http.createServer((req, res) => {
    const t0 = Date.now();
    const url = new URL(req.url ?? "/", "http://world.invalid");
    const fault = o.fault?.();
    if (fault?.kind === "unavailable") {
      o.log?.(`${req.method} ${url.pathname} 503 (fault: unavailable)`);
      res.writeHead(503, { "Content-Type": "text/html" });
      res.end("<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>cloudflare</center></body></html>\n");
      return;
    }
    if (fault?.kind === "hang") {
      o.log?.(`${req.method} ${url.pathname} no answer (fault: hang ${fault.closeAfterMs} ms)`);
      setTimeout(() => req.socket.destroy(), fault.closeAfterMs);
      return;
    }
    serial(async () => {
      authorize(req);
      return route(req, url);
    })
      .catch((e: unknown) => {
        if (e instanceof ApiError) return { status: e.status, body: { success: false, errors: e.errors, messages: [], result: null } };
        // Not the client's fault (the DNS backend failed): 500, which the client retries.
        const message = `the local world's DNS backend failed: ${(e as Error).message}`;
        o.log?.(`error: ${message}`);
        return { status: 500, body: { success: false, errors: [{ code: 10001, message }], messages: [], result: null } };
      })
      .then(async ({ status, body }) => {
        if (fault?.kind === "slow") await new Promise((r) => setTimeout(r, fault.delayMs));
        o.log?.(`${req.method} ${url.pathname} ${status} ${Date.now() - t0}ms`);
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
      });
  });
}
