// A small, correct mail stack as fake resources (what the program publishes for user.tax), for the
// rule tables to break one thing at a time.
import { FakeResource, quoted, record, txt } from "./fake-args";

export const DKIM_VALUE = `v=DKIM1; k=rsa; p=${"A".repeat(392)}`; // the length of an RSA 2048 key's p=

export function goodMailStack(): FakeResource[] {
  return [
    record("A", "mail.user.tax", "203.0.113.25"),
    record("AAAA", "mail.user.tax", "2001:db8:25::25"),
    txt("mail.user.tax", "v=spf1 ip4:203.0.113.25 ip6:2001:db8:25::25 -all"),
    record("MX", "user.tax", "mail.user.tax", { priority: 10 }),
    txt("user.tax", "v=spf1 ip4:203.0.113.25 ip6:2001:db8:25::25 include:_spf.google.com ~all"),
    record("TXT", "mailstack._domainkey.user.tax", quoted(DKIM_VALUE.slice(0, 255), DKIM_VALUE.slice(255))),
    txt("_dmarc.user.tax", "v=DMARC1; p=quarantine; fo=1; rua=mailto:rua@user.tax"),
  ];
}

/** The stack with `change` applied to the record named `name` (resource name). */
export function withRecord(name: string, change: (r: FakeResource) => FakeResource | undefined): FakeResource[] {
  const stack = goodMailStack();
  const i = stack.findIndex((r) => r.name === name);
  if (i < 0) throw new Error(`no ${name} in the fixture`);
  const changed = change(structuredClone(stack[i]));
  stack.splice(i, 1, ...(changed ? [changed] : []));
  return stack;
}
