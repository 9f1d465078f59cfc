#!/usr/bin/env bash
# Step 6: proves the converge worked. chasquid active, 25/465/587 listening, the served certificate is
# certbot's, valid for the host name and not expired, every user can log in on 587 after STARTTLS.
# Parameters: MS_HOSTNAME, MS_IPV6 (may be empty). Stdin (secret): "<address> <password>" per line.
set -euo pipefail
: "${MS_HOSTNAME:?}"
MS_IPV6=${MS_IPV6:-}
failures=()
fail() { failures+=("$*"); printf 'FAIL %s\n' "$*"; }
pass() { printf 'ok   %s\n' "$*"; }

for _ in $(seq 1 25); do systemctl is-active --quiet chasquid && break; sleep 0.2; done
if systemctl is-active --quiet chasquid; then pass "chasquid active"; else fail "chasquid is not active"; fi

listening=$(ss -ltnH | awk '{print $4}')
for port in 25 465 587; do
  if grep -qE "[:.]$port\$" <<<"$listening"; then pass "port $port listening"; else fail "nothing listens on port $port"; fi
done

live=/etc/letsencrypt/live/$MS_HOSTNAME/cert.pem
served=$(openssl s_client -connect 127.0.0.1:465 -servername "$MS_HOSTNAME" </dev/null 2>/dev/null \
  | openssl x509 -noout -fingerprint -sha256 2>/dev/null || true)
expected=$(openssl x509 -noout -fingerprint -sha256 -in "$live" 2>/dev/null || true)
if [ -z "$served" ]; then
  fail "no certificate served on 465"
elif [ "$served" != "$expected" ]; then
  fail "the certificate served on 465 is not certbot's current one ($live)"
else
  pass "certificate on 465 is certbot's"
fi
if openssl x509 -noout -checkhost "$MS_HOSTNAME" -in "$live" 2>/dev/null | grep -q 'does match'; then
  pass "certificate valid for $MS_HOSTNAME"
else
  fail "certificate does not name $MS_HOSTNAME"
fi
if openssl x509 -noout -checkend 86400 -in "$live" >/dev/null 2>&1; then pass "certificate valid for more than a day"; else fail "certificate expires within a day"; fi

if [ -n "$MS_IPV6" ]; then
  if ip -6 addr show scope global | grep -qF "inet6 $MS_IPV6/"; then pass "IPv6 $MS_IPV6 configured"; else fail "IPv6 $MS_IPV6 is not on any interface"; fi
fi

# Logins, over STARTTLS on 587 against this host (a wrong password must be refused too).
logins=$(python3 -c '
import smtplib, ssl, sys, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE   # the certificate itself is checked above
def attempt(user, secret):
    with smtplib.SMTP("127.0.0.1", 587, timeout=20) as s:
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
