#!/usr/bin/env bash
# Step 5 (the host's owner): chasquid's configuration. Runs after the domain steps have written
# each domain's folder, users, aliases and DKIM key, so a (re)start loads them all. Restarts chasquid
# only when something it reads at start changed (config, a domain of this stack removed) or it is down.
# Parameters: MS_DOMAINS (this stack's, space-separated), MS_STACK. Bundle (stdin): chasquid.conf.
set -euo pipefail
: "${MS_DOMAINS:?}" "${MS_STACK:?}"
etc=/etc/chasquid
bundle=$(mktemp -d)
trap 'rm -rf "$bundle"' EXIT
read_bundle "$bundle"
restart=()
version=$(chasquid_version)
due=$(restart_due_begin)
[ -z "$due" ] || restart+=("$due")

wrote=$(install_file "$etc/chasquid.conf" 0644 root:root <"$bundle/chasquid.conf")
[ -z "$wrote" ] || restart+=(chasquid.conf)
# Earlier versions tracked the domain set here; the domain steps do now.
rm -f "$etc/.mailstack-domains"

# Domains this stack created earlier and no longer lists (never another stack's).
for marker in "$etc"/domains/*/.mailstack; do
  [ -e "$marker" ] || continue
  dir=$(dirname "$marker")
  domain=$(basename "$dir")
  case " $MS_DOMAINS " in *" $domain "*) continue ;; esac
  owner=$(cat "$marker")
  [ -z "$owner" ] || [ "$owner" = "$MS_STACK" ] || continue
  rm -rf "$dir" "$etc/certs/$domain"
  restart+=("removed domain $domain")
done

#!/usr/bin/env bash
# TLS 1.2+ only: Go 1.22+ honours this (chasquid 1.15); older builds ignore it.
mkdir -p /etc/systemd/system/chasquid.service.d
wrote=$(install_file /etc/systemd/system/chasquid.service.d/50-mailstack.conf 0644 root:root <<'CONF'
[Service]
Environment=GODEBUG=tls10server=0
CONF
)
if [ -n "$wrote" ]; then
  systemctl daemon-reload
  restart+=("TLS 1.2 minimum")
fi

systemctl is-active --quiet chasquid || restart+=("not running")
systemctl is-enabled --quiet chasquid 2>/dev/null || systemctl enable --quiet chasquid "${CHASQUID_SOCKETS[@]}"
if [ ${#restart[@]} -gt 0 ]; then
  restart_chasquid_for "${restart[@]}"
else
  echo "restarted=no"
fi
restart_due_end
printf 'chasquid=%s\n' "$version"
