// Run where `pulumi up` runs, before the host's certificate: sets the PTR of each address to the
// host name through Contabo's API (https://api.contabo.com/#tag/DNS), then reads it back.
// Parameters (environment): MS_HOSTNAME, MS_ADDRESSES (space-separated), MS_AUTH_URL, MS_API_URL,
// MS_CLIENT_ID, MS_API_USER. Secrets on stdin only: JSON { "clientSecret", "apiPassword" }.
// Prints one line per address; never a secret or a token.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

const { MS_HOSTNAME: hostname, MS_ADDRESSES: addresses, MS_AUTH_URL: authUrl, MS_API_URL: apiUrl, MS_CLIENT_ID: clientId, MS_API_USER: apiUser } = process.env;
const PANEL = "https://my.contabo.com/api/details";

function fail(message) {
  console.error(`mailstack: ERROR: ${message}`);
  process.exit(1);
}

const unreachable = (what, url, e) =>
  fail(`${what} at ${url} did not answer (${e?.cause?.code ?? e?.cause?.message ?? e?.message ?? e}); check it is reachable from this machine, then run pulumi up again`);

/** Contabo's errors are { statusCode, message } (message sometimes a list); Keycloak's { error, error_description }. */
function reason(status, body) {
  const m = body?.error_description ?? body?.message ?? body?.error;
  return `HTTP ${status}${m ? `: ${Array.isArray(m) ? m.join("; ") : m}` : ""}`;
}

async function accessToken(secrets) {
  const form = new URLSearchParams({
    client_id: clientId, client_secret: secrets.clientSecret, username: apiUser, password: secrets.apiPassword, grant_type: "password",
  });
  let r;
  try {
    r = await fetch(authUrl, { method: "POST", body: form, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    unreachable("Contabo's login", authUrl, e);
  }
  const body = await r.json().catch(() => ({}));
  if (r.ok && typeof body.access_token === "string") return body.access_token;
  // Keycloak: invalid_grant for the user and password; unauthorized_client or invalid_client for the client.
  if (body.error === "invalid_grant") {
    fail(`Contabo refused the API user or password (${reason(r.status, body)}): check mailstack:contabo.apiUser and mailstack:contabo.apiPassword (the API password is set at ${PANEL}, it is not the panel's login password)`);
  }
  if (/client/.test(String(body.error))) {
    fail(`Contabo refused the client (${reason(r.status, body)}): check mailstack:contabo.clientId and mailstack:contabo.clientSecret against ${PANEL}`);
  }
  fail(`Contabo's login answered ${reason(r.status, body)}: check mailstack:contabo at ${PANEL}, then run pulumi up again`);
}

async function api(token, method, path, body) {
  let r;
  try {
    r = await fetch(`${apiUrl}${path}`, {
      method,
      // x-request-id: a UUID4 per request, required by Contabo on every call.
      headers: { Authorization: `Bearer ${token}`, "x-request-id": randomUUID(), ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    unreachable("Contabo's API", apiUrl, e);
  }
  const text = await r.text();
  let json = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text.slice(0, 200) };
  }
  return { status: r.status, json };
}

const bare = (name) => String(name ?? "").replace(/\.$/, "").toLowerCase();

async function currentPtr(token, ip) {
  const r = await api(token, "GET", `/v1/dns/ptrs/${encodeURIComponent(ip)}`);
  if (r.status === 200) return bare(r.json?.data?.[0]?.ptr);
  if (r.status === 404) return null;
  if (r.status === 401 || r.status === 403) {
    fail(`Contabo's API refused to read the PTR of ${ip} (${reason(r.status, r.json)}): the API user of mailstack:contabo.apiUser needs the right to manage reverse DNS`);
  }
  fail(`Contabo's API answered ${reason(r.status, r.json)} for the PTR of ${ip}; run pulumi up again, or set it at https://my.contabo.com/rdns`);
}

const secrets = JSON.parse(readFileSync(0, "utf8"));
const token = await accessToken(secrets);
for (const ip of addresses.split(/\s+/).filter(Boolean)) {
  const before = await currentPtr(token, ip);
  if (before === bare(hostname)) {
    console.log(`ok   PTR ${ip} → ${hostname} (already)`);
    continue;
  }
  // IPv4 PTRs always exist (change them with PUT); an IPv6 one may have to be created first.
  if (before === null && !ip.includes(":")) {
    fail(`Contabo knows no PTR of ${ip} (HTTP 404): it is not an address of the account mailstack:contabo.apiUser; check mailstack:hosts[].ipv4`);
  }
  const r = before === null
    ? await api(token, "POST", "/v1/dns/ptrs", { ip, ptr: hostname })
    : await api(token, "PUT", `/v1/dns/ptrs/${encodeURIComponent(ip)}`, { ptr: hostname });
  if (r.status >= 300) fail(`Contabo's API refused to set the PTR of ${ip} to ${hostname} (${reason(r.status, r.json)})`);
  const after = await currentPtr(token, ip);
  if (after !== bare(hostname)) fail(`Contabo's API accepted the PTR of ${ip}, but reads back ${after ?? "nothing"}, not ${hostname}; run pulumi up again`);
  console.log(`ok   PTR ${ip} → ${hostname} (set, was ${before ?? "none"})`);
}
