#!/usr/bin/env bash
# Step 6: proves the converge worked, from the host's public addresses (not 127.0.0.1): chasquid is
# up and stays up (no restart while it settles), it holds 25/465/587 itself (not only the sockets
# systemd keeps open), the certificate served is certbot's, valid for the host name; every user
# logs in on 587 after STARTTLS and a wrong password is refused; a message signed with each
# domain's installed DKIM key verifies against the key DNS publishes; the firewall table is loaded;
# fail2ban's jail for chasquid runs.
# Parameters: MS_HOSTNAME, MS_IPV4, MS_IPV6 (may be empty), MS_DKIM ("<domain>:<selector> ..."),
# MS_DKIM_ED25519 (optional, the same for Ed25519 keys), MS_FIREWALL and MS_FAIL2BAN (yes|no|owner: the
# stack that owns the host checks its firewall and jail). Stdin (secret): "<address> <password>" per line.
set -euo pipefail
: "${MS_HOSTNAME:?}" "${MS_IPV4:?}" "${MS_DKIM:?}" "${MS_FIREWALL:?}" "${MS_FAIL2BAN:?}"
MS_IPV6=${MS_IPV6:-}
MS_DKIM_ED25519=${MS_DKIM_ED25519:-}
failures=()
fail() { failures+=("$*"); printf 'FAIL %s\n' "$*"; }
pass() { printf 'ok   %s\n' "$*"; }

for _ in $(seq 1 25); do systemctl is-active --quiet chasquid && break; sleep 0.2; done
# "active" comes a moment before a fatal key or certificate error: watch it settle.
pid=$(systemctl show -p MainPID --value chasquid)
restarts=$(systemctl show -p NRestarts --value chasquid)
sleep 3
if systemctl is-active --quiet chasquid && [ "$(systemctl show -p MainPID --value chasquid)" = "$pid" ] \
  && [ "$(systemctl show -p NRestarts --value chasquid)" = "$restarts" ] && [ "$pid" != 0 ]; then
  pass "chasquid active and settled (pid $pid)"
else
  fail "chasquid is not running steadily (it stopped or restarted within 3 s)"
fi

for port in 25 465 587; do
  holders=$(ss -ltnpH "( sport = :$port )" 2>/dev/null || true)
  if grep -q '"chasquid"' <<<"$holders"; then
    pass "chasquid holds port $port"
  elif [ -n "$holders" ]; then
    fail "port $port is held but not by chasquid (socket only, or another program): $holders"
  else
    fail "nothing listens on port $port"
  fi
done

addresses=("$MS_IPV4")
if [ -n "$MS_IPV6" ]; then
  if ip -6 addr show scope global | grep -qF "inet6 $MS_IPV6/"; then
    pass "IPv6 $MS_IPV6 configured"
    addresses+=("[$MS_IPV6]")
  else
    fail "IPv6 $MS_IPV6 is not on any interface"
  fi
fi

live=/etc/letsencrypt/live/$MS_HOSTNAME/cert.pem
expected=$(openssl x509 -noout -fingerprint -sha256 -in "$live" 2>/dev/null || true)
for address in "${addresses[@]}"; do
  served=$(openssl s_client -connect "$address:465" -servername "$MS_HOSTNAME" </dev/null 2>/dev/null \
    | openssl x509 -noout -fingerprint -sha256 2>/dev/null || true)
  if [ -z "$served" ]; then
    fail "no certificate served on $address:465"
  elif [ "$served" != "$expected" ]; then
    fail "the certificate served on $address:465 is not certbot's current one ($live)"
  else
    pass "certificate on $address:465 is certbot's"
  fi
done
if openssl x509 -noout -checkhost "$MS_HOSTNAME" -in "$live" 2>/dev/null | grep -q 'does match'; then
  pass "certificate valid for $MS_HOSTNAME"
else
  fail "certificate does not name $MS_HOSTNAME"
fi
if openssl x509 -noout -checkend 86400 -in "$live" >/dev/null 2>&1; then pass "certificate valid for more than a day"; else fail "certificate expires within a day"; fi

# DKIM: sign a message with the key chasquid (1.14+) or its hook (older) signs with, and verify it
# against the record DNS publishes now.
message=$(mktemp)
trap 'rm -f "$message"' EXIT
write_message() {
  # LF line ends, as chasquid-util dkim-sign folds its header with LF.
  printf 'From: mailstack-verify@%s\nTo: nobody@example.invalid\nSubject: mailstack verification\n\nDKIM check.\n' "$1" >"$message"
}
# verify_native <domain> <selector> <key file> <what>: chasquid's own signer and verifier.
verify_native() {
  local signature result
  write_message "$1"
  signature=$(chasquid-util dkim-sign "$1" "$2" "$3" <"$message" 2>&1 || true)
  result=$({ printf '%s\n' "$signature"; cat "$message"; } | chasquid-util dkim-verify 2>&1 || true)
  if grep -q "dkim=pass.*header.d=$1" <<<"$result"; then pass "DKIM $2._domainkey.$1: signed with chasquid's $4, verified against DNS"
  else fail "DKIM $2._domainkey.$1 ($4) does not verify against DNS: $(tr -s '\r\n\t' ' ' <<<"$result")"; fi
}
for pair in $MS_DKIM; do
  domain=${pair%%:*} selector=${pair#*:}
  native=/etc/chasquid/domains/$domain/dkim:$selector.pem
  hook=/etc/chasquid/certs/$domain/dkim_privkey.pem
  if [ -f "$native" ]; then
    verify_native "$domain" "$selector" "$native" key
  elif [ -f "$hook" ] && command -v dkimsign >/dev/null; then
    write_message "$domain"
    if dkimsign "$selector" "$domain" "$hook" <"$message" | dkimverify >/dev/null 2>&1; then pass "DKIM $selector._domainkey.$domain: signed with the hook's key, verified against DNS"
    else fail "DKIM $selector._domainkey.$domain does not verify against DNS (hook key $hook)"; fi
  else
    fail "no DKIM key installed for $domain (neither $native nor $hook with dkimsign)"
  fi
done
# Ed25519: signed natively only (chasquid 1.14+); with the hook there is no such key to check.
for pair in $MS_DKIM_ED25519; do
  domain=${pair%%:*} selector=${pair#*:}
  native=/etc/chasquid/domains/$domain/dkim:$selector.pem
  if [ -f "$native" ]; then verify_native "$domain" "$selector" "$native" "Ed25519 key"
  elif version_ge "$(chasquid_version)" 1.14; then fail "no Ed25519 DKIM key installed for $domain ($native)"
  else pass "DKIM $selector._domainkey.$domain: no Ed25519 signature before chasquid 1.14"; fi
done

if [ "$MS_FIREWALL" = yes ]; then
  if nft list table inet mailstack >/dev/null 2>&1; then pass "firewall table inet mailstack loaded"; else fail "the firewall table inet mailstack is not loaded (flushed by another tool?)"; fi
fi

# The jail answers (fail2ban started it with its filter and action). The wrong password below comes
# from the host's own address, which the jail never bans (its ignoreip, see plans/host/steps.ts).
if [ "$MS_FAIL2BAN" = yes ]; then
  if jail=$(fail2ban-client status mailstack-chasquid 2>&1); then
    banned=$(sed -n 's/.*Currently banned:[[:space:]]*//p' <<<"$jail")
    pass "fail2ban jail mailstack-chasquid active (ports 25, 465, 587; ${banned:-0} banned now)"
  else
    fail "the fail2ban jail mailstack-chasquid is not active: $(tr -s '\r\n\t' ' ' <<<"$jail")"
  fi
fi

# Logins, over STARTTLS on 587 at the public address (a wrong password must be refused too).
logins=$(MS_IPV4=$MS_IPV4 python3 -c '
import os, smtplib, ssl, sys, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE   # the certificate itself is checked above
def attempt(user, secret):
    with smtplib.SMTP(os.environ["MS_IPV4"], 587, timeout=20) as s:
        s.starttls(context=ctx)
        try:
            s.login(user, secret)
            return True
        except smtplib.SMTPAuthenticationError:
            return False
def login(user, secret, patience=35):
    # chasquid before 1.12 picks up a changed users file within its 30 s reload, not at once.
    deadline = time.time() + patience
    while not attempt(user, secret):
        if time.time() > deadline:
            return False
        time.sleep(2)
    return True
first = None
for line in sys.stdin:
    user, _, secret = line.rstrip("\n").partition(" ")
    if not user:
        continue
    first = first or user
    print(("ok   login " if login(user, secret) else "FAIL login refused for ") + user)
if first:
    print("ok   wrong password refused" if not login(first, "mailstack-wrong-password", patience=0) else "FAIL wrong password accepted for " + first)
' 2>&1) || logins="FAIL login check crashed: $logins"
printf '%s\n' "$logins"
while IFS= read -r line; do
  case "$line" in FAIL*) failures+=("${line#FAIL }") ;; esac
done <<<"$logins"

if [ ${#failures[@]} -gt 0 ]; then
  echo "--- journalctl -u chasquid (last 40 lines)"
  journalctl -u chasquid -n 40 --no-pager 2>/dev/null || true
  die "verification failed: ${failures[*]}"
fi
echo "verified"
