// Checks the Cloudflare token before anything is written, and finds the zone of each name: the
// longest suffix the token can see (a domain can live in a parent's zone).

export interface CloudflareCheck {
  /** e.g. https://api.cloudflare.com/client/v4 (no trailing slash). */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** A refusal or an unreachable API, as one line a person can act on. */
export class CloudflareError extends Error {
  override name = "CloudflareError";
}

interface Envelope<T> {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: T;
}

interface Reply<T> {
  status: number;
  body: Envelope<T>;
}

async function get<T>(c: CloudflareCheck, path: string): Promise<Reply<T>> {
  const url = `${c.baseUrl}${path}`;
  let r: Response;
  try {
    r = await (c.fetch ?? fetch)(url, {
      headers: { Authorization: `Bearer ${c.token}`, Accept: "application/json" },
      signal: AbortSignal.timeout(c.timeoutMs ?? 20_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new CloudflareError(`could not reach the Cloudflare API at ${c.baseUrl} (${cause}): check the network, or --cloudflare-base-url`);
  }
  let body: Envelope<T>;
  try {
    body = (await r.json()) as Envelope<T>;
  } catch {
    throw new CloudflareError(`the Cloudflare API at ${c.baseUrl} answered GET ${path} with HTTP ${r.status} and no JSON: is --cloudflare-base-url right?`);
  }
  return { status: r.status, body };
}

/** `HTTP 403: Authentication error [10000]`: what the API said, for the one-line errors. */
function said(r: Reply<unknown>): string {
  const errors = (r.body.errors ?? []).map((e) => `${e.message ?? "error"}${e.code === undefined ? "" : ` [${e.code}]`}`);
  return `HTTP ${r.status}${errors.length ? `: ${errors.join("; ")}` : ""}`;
}

/** The names to try for `name`, longest first: the name, then each parent down to two labels. */
export function zoneCandidates(name: string): string[] {
  const labels = name.split(".");
  return labels.slice(0, -1).map((_, i) => labels.slice(i).join("."));
}

/** GET /user/tokens/verify: throws the refused message unless the token is active. */
export async function verifyToken(c: CloudflareCheck, zoneHint: string): Promise<void> {
  const r = await get<{ status?: string }>(c, "/user/tokens/verify");
  const status = r.body.result?.status;
  if (r.status === 200 && r.body.success === true && status === "active") return;
  const why = r.status === 200 && r.body.success === true ? `the token is ${status ?? "not active"}` : said(r);
  throw new CloudflareError(`the Cloudflare token was refused (${why}): make a token with Zone.DNS edit for ${zoneHint}`);
}

/** The zone holding `name`: the longest of its suffixes that GET /zones?name= shows this token. */
export async function findZone(c: CloudflareCheck, name: string): Promise<string> {
  for (const candidate of zoneCandidates(name)) {
    const r = await get<{ name?: string }[]>(c, `/zones?name=${encodeURIComponent(candidate)}`);
    if (r.status === 401 || r.status === 403) {
      throw new CloudflareError(`the Cloudflare token was refused listing zones (${said(r)}): make a token with Zone.DNS edit for ${candidate}`);
    }
    if (r.status !== 200 || r.body.success !== true || !Array.isArray(r.body.result)) {
      throw new CloudflareError(`the Cloudflare API failed GET /zones?name=${candidate} (${said(r)})`);
    }
    if (r.body.result.some((z) => z.name === candidate)) return candidate;
  }
  throw new CloudflareError(`no zone ${name} (or parent) visible to this token: add the domain to Cloudflare, or give the token access to its zone`);
}

/** Verifies the token, then finds the zone of each name (the mail domain, the host name). */
export async function checkCloudflare(c: CloudflareCheck, names: string[]): Promise<Map<string, string>> {
  await verifyToken(c, names[0]);
  const zones = new Map<string, string>();
  for (const name of names) zones.set(name, await findZone(c, name));
  return zones;
}
