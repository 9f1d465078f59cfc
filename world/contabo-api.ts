// Contabo's API as far as mailstack uses it, with its real semantics: the Keycloak token endpoint
// (password grant), and the reverse DNS endpoints `/v1/dns/ptrs` (Bearer token, a UUID4
// `x-request-id` on every call, Contabo's `{ statusCode, message }` errors). The PTRs live in a
// backend: the world's DNS server (world/contabo-daemon.ts), or memory in tests.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import { isIPv4, isIPv6 } from "node:net";

export const TOKEN_PATH = "/auth/realms/contabo/protocol/openid-connect/token";
/** The pattern Contabo's OpenAPI spec gives `x-request-id`. */
const REQUEST_ID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-5][0-9A-Fa-f]{3}-[089abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;
const TOKEN_SECONDS = 300;

/** Where the PTRs of the account's addresses are kept. */
export interface PtrBackend {
  /** The PTR name of `ip`, or null when there is none. */
  get(ip: string): Promise<string | null>;
  /** Sets (null: removes) the PTR of `ip`. */
  set(ip: string, name: string | null): Promise<void>;
}

export interface ContaboCredentials {
  clientId: string;
  clientSecret: string;
  apiUser: string;
  apiPassword: string;
}

export interface ContaboApiOptions {
  credentials: ContaboCredentials;
  /** The account's addresses: its PTRs are the only ones it may read or change. */
  addresses: string[];
  backend: PtrBackend;
  tenantId?: string;
  customerId?: string;
  /** One line per request (method, path, status); never a body or header, so never a secret. */
  log?: (line: string) => void;
}

export function memoryPtrs(initial: Record<string, string> = {}): PtrBackend & { ptrs: Map<string, string> } {
  const ptrs = new Map(Object.entries(initial));
  return {
    ptrs,
    get: async (ip) => ptrs.get(ip) ?? null,
    set: async (ip, name) => {
      if (name === null) ptrs.delete(ip);
      else ptrs.set(ip, name);
    },
  };
}

class Reply extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    super(`HTTP ${status}`);
  }
}
/** Contabo's error shape. */
const contaboError = (status: number, message: string) => new Reply(status, { statusCode: status, message });
/** Keycloak's error shape. */
const oauthError = (status: number, error: string, description: string) => new Reply(status, { error, error_description: description });

const sameSecret = (a: string, b: string) => {
  const h = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(h(a), h(b));
};

/** RFC 5952 form, as Contabo lists IPv6 addresses. */
function canonicalIp(ip: string): string | null {
  if (isIPv4(ip)) return ip;
  if (isIPv6(ip)) return new URL(`http://[${ip}]`).hostname.slice(1, -1);
  return null;
}

function readRaw(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  try {
    const v = JSON.parse(await readRaw(req)) as unknown;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* answered below */
  }
  throw contaboError(400, "Bad Request: the body must be a JSON object");
}

export function createContaboApi(o: ContaboApiOptions): http.Server {
  const tokens = new Map<string, number>(); // access token → expiry (ms)
  const owned = new Set(o.addresses.map((a) => canonicalIp(a)!));
  const tenantId = o.tenantId ?? "DE";
  const customerId = o.customerId ?? "12345";
  const record = (ip: string, ptr: string) => ({ tenantId, customerId, ip, ptr, ttl: 86400 });

  async function token(req: http.IncomingMessage): Promise<unknown> {
    if (req.method !== "POST") throw new Reply(405, { error: "HTTP 405 Method Not Allowed" });
    const form = new URLSearchParams(await readRaw(req));
    const c = o.credentials;
    if (!form.get("grant_type")) throw oauthError(400, "invalid_request", "Missing form parameter: grant_type");
    if (form.get("client_id") !== c.clientId || !sameSecret(form.get("client_secret") ?? "", c.clientSecret)) {
      throw oauthError(401, "unauthorized_client", "Invalid client or Invalid client credentials");
    }
    if (form.get("grant_type") !== "password") throw oauthError(400, "unsupported_grant_type", "Unsupported grant_type");
    if (form.get("username") !== c.apiUser || !sameSecret(form.get("password") ?? "", c.apiPassword)) {
      throw oauthError(401, "invalid_grant", "Invalid user credentials");
    }
    const accessToken = randomBytes(32).toString("base64url");
    tokens.set(accessToken, Date.now() + TOKEN_SECONDS * 1000);
    return {
      access_token: accessToken, expires_in: TOKEN_SECONDS, refresh_expires_in: 1800, refresh_token: randomBytes(32).toString("base64url"),
      token_type: "Bearer", "not-before-policy": 0, session_state: randomUUID(), scope: "profile email",
    };
  }

  function authorize(req: http.IncomingMessage): void {
    const m = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? "");
    const expiry = m ? tokens.get(m[1]) : undefined;
    if (expiry === undefined || expiry < Date.now()) throw contaboError(401, "Unauthorized");
    const id = req.headers["x-request-id"];
    if (typeof id !== "string" || !REQUEST_ID.test(id)) {
      throw contaboError(400, "Bad Request: x-request-id must be a UUID4, e.g. 04e0f898-37b4-48bc-a794-1a57abe6aa31");
    }
  }

  function ownedIp(raw: string): string {
    const ip = canonicalIp(decodeURIComponent(raw));
    if (ip === null || !owned.has(ip)) throw contaboError(404, `Entry PtrRecord not found by ipAddress = ${decodeURIComponent(raw)}`);
    return ip;
  }

  async function ptrs(req: http.IncomingMessage, url: URL): Promise<{ status: number; body?: unknown }> {
    authorize(req);
    const one = /^\/v1\/dns\/ptrs\/([^/]+)$/.exec(url.pathname);
    if (url.pathname === "/v1/dns/ptrs" && req.method === "GET") {
      const wanted = url.searchParams.getAll("ips").flatMap((s) => s.split(",")).map(canonicalIp).filter((x): x is string => x !== null);
      const data = [];
      for (const ip of [...owned].filter((a) => wanted.length === 0 || wanted.includes(a))) {
        const ptr = await o.backend.get(ip);
        if (ptr !== null) data.push(record(ip, ptr));
      }
      const self = `${url.pathname}${url.search}`;
      return {
        status: 200,
        body: { _pagination: { size: 100, totalElements: data.length, totalPages: 1, page: 1 }, data, _links: { first: self, previous: self, self, next: self, last: self } },
      };
    }
    if (url.pathname === "/v1/dns/ptrs" && req.method === "POST") {
      const body = await readJson(req);
      if (typeof body.ip !== "string" || typeof body.ptr !== "string" || body.ptr === "") throw contaboError(400, "Bad Request: ip and ptr are required");
      const ip = ownedIp(body.ip);
      if (!isIPv6(ip)) throw contaboError(400, "Bad Request: only IPv6 PTR records can be created");
      if ((await o.backend.get(ip)) !== null) throw contaboError(409, `PtrRecord for ${ip} already exists`);
      await o.backend.set(ip, body.ptr);
      return { status: 201, body: { data: [record(ip, body.ptr)], _links: { self: `/v1/dns/ptrs/${ip}` } } };
    }
    if (!one) throw contaboError(404, `Cannot ${req.method} ${url.pathname}`);
    const ip = ownedIp(one[1]);
    const current = await o.backend.get(ip);
    if (req.method === "GET") {
      if (current === null) throw contaboError(404, `Entry PtrRecord not found by ipAddress = ${ip}`);
      return { status: 200, body: { data: [record(ip, current)], _links: { self: url.pathname } } };
    }
    if (req.method === "PUT") {
      const body = await readJson(req);
      if (typeof body.ptr !== "string" || body.ptr === "") throw contaboError(400, "Bad Request: ptr is required");
      if (current === null) throw contaboError(404, `Entry PtrRecord not found by ipAddress = ${ip}`);
      await o.backend.set(ip, body.ptr);
      return { status: 204 };
    }
    if (req.method === "DELETE") {
      if (!isIPv6(ip)) throw contaboError(400, "Bad Request: only IPv6 PTR records can be deleted");
      if (current === null) throw contaboError(404, `Entry PtrRecord not found by ipAddress = ${ip}`);
      await o.backend.set(ip, null);
      return { status: 204 };
    }
    throw contaboError(405, "Method Not Allowed");
  }

  return http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://contabo.world");
    const answer = async () => {
      if (url.pathname === TOKEN_PATH) return { status: 200, body: await token(req) };
      if (url.pathname.startsWith("/v1/dns/ptrs")) return ptrs(req, url);
      throw contaboError(404, `Cannot ${req.method} ${url.pathname}`);
    };
    answer().catch((e: unknown) => {
      if (e instanceof Reply) return { status: e.status, body: e.body };
      return { status: 500, body: { statusCode: 500, message: "Internal Server Error" } };
    }).then(({ status, body }) => {
      o.log?.(`${req.method} ${url.pathname} ${status}`);
      res.writeHead(status, body === undefined ? {} : { "Content-Type": "application/json" });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    }, () => res.destroy());
  });
}
