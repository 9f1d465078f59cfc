#!/usr/bin/env bash
# Step 3: a real ACME certificate for the host name (certbot standalone, HTTP-01 on port 80), renewed
# by certbot's timer; the deploy hook (stdin bundle: deploy-hook) hands it to chasquid.
# Parameters: MS_HOSTNAME, MS_ACME_EMAIL, MS_ACME_DIRECTORY. Bundle: deploy-hook, and acme-ca.pem
# when the directory's HTTPS endpoint is signed by a private CA.
set -euo pipefail
: "${MS_HOSTNAME:?}" "${MS_ACME_EMAIL:?}" "${MS_ACME_DIRECTORY:?}"
bundle=$(mktemp -d)
trap 'rm -rf "$bundle"' EXIT
read_bundle "$bundle"

# A private ACME server's CA goes into the system store: renewals by the timer need it too.
ca=/usr/local/share/ca-certificates/mailstack-acme.crt
if [ -f "$bundle/acme-ca.pem" ]; then
  wrote=$(install_file "$ca" 0644 root:root <"$bundle/acme-ca.pem")
  [ -z "$wrote" ] || update-ca-certificates >/dev/null
elif [ -f "$ca" ]; then
  rm -f "$ca"
  update-ca-certificates --fresh >/dev/null
fi

# The certificate this host serves. After a rename the old name's certificate goes (certbot's lineage
# and chasquid's copy): nothing else would ever renew or remove it.
mkdir -p /etc/mailstack
previous=$(cat /etc/mailstack/certificate-name 2>/dev/null || true)
if [ -n "$previous" ] && [ "$previous" != "$MS_HOSTNAME" ]; then
  log "the host was renamed from $previous: removing that name's certificate"
  certbot delete --non-interactive --cert-name "$previous" >/dev/null 2>&1 || true
  rm -rf "/etc/chasquid/certs/$previous"
fi
printf '%s\n' "$MS_HOSTNAME" | install_file /etc/mailstack/certificate-name 0644 root:root | sed 's/^/wrote /'

hook=/etc/letsencrypt/renewal-hooks/deploy/50-mailstack-chasquid
mkdir -p "$(dirname "$hook")"
install_file "$hook" 0755 root:root <"$bundle/deploy-hook" | sed 's/^/wrote /'

renewal=/etc/letsencrypt/renewal/$MS_HOSTNAME.conf
current_server=$(awk -F' = ' '$1 == "server" {print $2}' "$renewal" 2>/dev/null || true)
if [ -f "/etc/letsencrypt/live/$MS_HOSTNAME/fullchain.pem" ] && [ "$current_server" = "$MS_ACME_DIRECTORY" ] \
  && openssl x509 -noout -checkend 0 -in "/etc/letsencrypt/live/$MS_HOSTNAME/cert.pem" >/dev/null; then
  log "certificate for $MS_HOSTNAME from $MS_ACME_DIRECTORY present"
else
  force=()
  [ -z "$current_server" ] || force=(--force-renewal)   # another directory (staging → production)
  log "requesting a certificate for $MS_HOSTNAME from $MS_ACME_DIRECTORY"
  certbot certonly --standalone --non-interactive --agree-tos --no-eff-email \
    --email "$MS_ACME_EMAIL" --server "$MS_ACME_DIRECTORY" \
    --cert-name "$MS_HOSTNAME" -d "$MS_HOSTNAME" --key-type ecdsa --reuse-key "${force[@]}" \
    || die "certbot could not get a certificate: check that $MS_HOSTNAME resolves to this host and port 80 is reachable"
fi

# Hand the current certificate to chasquid (the hook only runs by itself on renewals).
RENEWED_LINEAGE=/etc/letsencrypt/live/$MS_HOSTNAME "$hook"
systemctl enable --quiet --now certbot.timer 2>/dev/null || log "certbot.timer not available; renewals need cron"
