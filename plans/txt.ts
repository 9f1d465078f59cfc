// TXT record content the way Cloudflare stores it: quoted character strings of at most 255 bytes
// (RFC 1035). Sending it pre-split avoids the perpetual diff Cloudflare's own splitting causes.

export const TXT_STRING_MAX = 255;

/** Splits `value` into quoted strings of at most 255 bytes: `"abc…" "…xyz"`. */
export function txtContent(value: string): string {
  if (/["\\]/.test(value)) throw new Error(`TXT value must not contain quotes or backslashes: ${value}`);
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length !== value.length) throw new Error(`TXT value must be ASCII: ${value}`);
  const chunks: string[] = [];
  for (let i = 0; i < value.length; i += TXT_STRING_MAX) chunks.push(value.slice(i, i + TXT_STRING_MAX));
  return chunks.map((c) => `"${c}"`).join(" ");
}

/** The strings of a quoted TXT content, in order (inverse of txtContent). */
export function txtStrings(content: string): string[] {
  const strings = [...content.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  return strings.length > 0 ? strings : [content];
}
