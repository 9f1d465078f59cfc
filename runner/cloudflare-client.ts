// What the Cloudflare provider does with a DnsRecord, as HTTP calls to a Cloudflare API (in the
// local world: world/cloudflare-api.ts): zone lookup by name, create, update in place, delete, by
// record id kept in state. Errors come back as the provider would report them, and a refused
// token names the config key to fix.

export interface CloudflareRecordInput {
  zoneId: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  priority?: number;
  proxied?: boolean;
  comment?: string;
}

interface Envelope<T> {
  success: boolean;
  errors: { code: number; message: string; error_chain?: { code: number; message: string }[] }[];
  result: T;
}

export class CloudflareApiError extends Error {
  constructor(readonly status: number, readonly codes: number[], message: string) {
    super(message);
  }
}

export class CloudflareClient {
  constructor(private readonly baseUrl: string, private readonly token: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl.replace(/\/$/, "")}/${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const env = await res.json() as Envelope<T>;
    if (res.ok && env.success) return env.result;
    const errors = env.errors ?? [];
    const detail = errors.map((e) => `${e.code} ${e.message}${(e.error_chain ?? []).map((c) => ` (${c.code} ${c.message})`).join("")}`).join("; ");
    if (res.status === 403 || errors.some((e) => e.code === 10000)) {
      throw new CloudflareApiError(res.status, [10000], `cloudflare:apiToken was refused by the Cloudflare API (${detail}): ` +
        "create a token with Zone → DNS → Edit (and Zone → Read) on the zone, then: pulumi config set --secret cloudflare:apiToken <token>");
    }
    throw new CloudflareApiError(res.status, errors.map((e) => e.code), `Cloudflare API ${method} ${path}: ${res.status} ${detail}`);
  }

  /** getZone({ filter: { name } }): exactly one zone, or an error that says which. */
  async zoneId(name: string): Promise<string> {
    const zones = await this.call<{ id: string; name: string }[]>("GET", `zones?name=${encodeURIComponent(name)}`);
    if (zones.length !== 1) throw new Error(`zone ${name}: the Cloudflare account behind cloudflare:apiToken has ${zones.length} zones of that name (need exactly one)`);
    return zones[0].id;
  }

  private body(r: CloudflareRecordInput) {
    return {
      name: r.name, type: r.type, content: r.content, ttl: r.ttl, proxied: r.proxied ?? false,
      ...(r.priority !== undefined ? { priority: r.priority } : {}), ...(r.comment !== undefined ? { comment: r.comment } : {}),
    };
  }

  async createRecord(r: CloudflareRecordInput): Promise<string> {
    return (await this.call<{ id: string }>("POST", `zones/${r.zoneId}/dns_records`, this.body(r))).id;
  }

  /** The id of the record identical to `r` (name, type, content, priority). */
  async findRecord(r: CloudflareRecordInput): Promise<string> {
    const q = `name.exact=${encodeURIComponent(r.name)}&type=${encodeURIComponent(r.type)}&per_page=100`;
    const found = (await this.call<{ id: string; content: string; priority?: number }[]>("GET", `zones/${r.zoneId}/dns_records?${q}`))
      .filter((x) => x.content === r.content && (r.priority === undefined || x.priority === r.priority));
    if (found.length !== 1) throw new Error(`${r.type} ${r.name}: expected one record identical to the planned one, found ${found.length}`);
    return found[0].id;
  }

  async updateRecord(id: string, r: CloudflareRecordInput): Promise<void> {
    await this.call("PUT", `zones/${r.zoneId}/dns_records/${id}`, this.body(r));
  }

  /** Deletes; a record that is already gone counts as deleted (as the provider does on 404). */
  async deleteRecord(zoneId: string, id: string): Promise<void> {
    try {
      await this.call("DELETE", `zones/${zoneId}/dns_records/${id}`);
    } catch (e) {
      if (!(e instanceof CloudflareApiError && e.status === 404)) throw e;
    }
  }
}
