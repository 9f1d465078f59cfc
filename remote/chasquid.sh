#!/usr/bin/env bash
# Step 5: chasquid's configuration and DKIM keys. Runs after the domain steps have written each
# domain's folder, users and aliases, so a (re)start loads them all. Restarts chasquid only when
# something it reads at start changed (config, native DKIM keys, the set of domains, or it is down).
# How DKIM is signed is decided here, from the chasquid installed now (it may have been upgraded
# since the last deploy): natively from 1.14, else by the packaged post-data hook with dkimpy.
# Parameters: MS_DOMAINS (space-separated). Bundle (stdin, secret): chasquid.conf,
# dkim/<domain>/<selector>.pem (PKCS#8).
set -euo pipefail
: "${MS_DOMAINS:?}"
etc=/etc/chasquid
bundle=$(mktemp -d)
trap 'rm -rf "$bundle"' EXIT
read_bundle "$bundle"
restart=()
version=$(chasquid_version)
if version_ge "$version" 1.14; then dkim_mode=native; else dkim_mode=hook; fi

wrote=$(install_file "$etc/chasquid.conf" 0644 root:root <"$bundle/chasquid.conf")
[ -z "$wrote" ] || restart+=(chasquid.conf)

# chasquid loads domain folders at start only: a new or removed domain needs a restart.
wrote=$(printf '%s\n' "$MS_DOMAINS" | install_file "$etc/.mailstack-domains" 0644 root:root)
[ -z "$wrote" ] || restart+=("domains: $MS_DOMAINS")

for domain in $MS_DOMAINS; do
  dir=$etc/domains/$domain
  [ -f "$dir/users" ] || die "$dir is not set up (the domain step runs first)"

  key=$(find "$bundle/dkim/$domain" -name '*.pem' | head -n 1)
  [ -n "$key" ] || die "no DKIM key for $domain in the bundle"
  selector=$(basename "$key" .pem)
  if [ "$dkim_mode" = native ]; then
    # chasquid 1.14+: domains/<d>/dkim:<selector>.pem, loaded at start; every file found signs.
    wrote=$(install_file "$dir/dkim:$selector.pem" 0640 root:chasquid <"$key")
    [ -z "$wrote" ] || restart+=("dkim $domain")
    for old in "$dir"/dkim:*.pem; do
      if [ -e "$old" ] && [ "$old" != "$dir/dkim:$selector.pem" ]; then
        rm -f "$old"
        restart+=("old dkim $old")
      fi
    done
    if [ -e "$etc/certs/$domain/dkim_privkey.pem" ] || [ -e "$dir/dkim_selector" ]; then
      rm -f "$etc/certs/$domain/dkim_privkey.pem" "$dir/dkim_selector"
      rmdir "$etc/certs/$domain" 2>/dev/null || true
      restart+=("dkim $domain now native")
    fi
  else
    # chasquid 1.11-1.13: the packaged post-data hook signs with dkimsign (python3-dkim), run as chasquid.
    mkdir -p "$etc/certs/$domain"
    install_file "$etc/certs/$domain/dkim_privkey.pem" 0640 root:chasquid <"$key" | sed 's/^/wrote /'
    printf '%s\n' "$selector" | install_file "$dir/dkim_selector" 0644 root:root | sed 's/^/wrote /'
    for old in "$dir"/dkim:*.pem; do
      [ -e "$old" ] && rm -f "$old" && restart+=("dkim $domain by the hook")
    done
  fi
done

# Domains this stack created earlier and no longer lists.
for marker in "$etc"/domains/*/.mailstack; do
  [ -e "$marker" ] || continue
  dir=$(dirname "$marker")
  domain=$(basename "$dir")
  case " $MS_DOMAINS " in *" $domain "*) continue ;; esac
  rm -rf "$dir" "$etc/certs/$domain"
  restart+=("removed domain $domain")
done

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
  log "restarting chasquid: ${restart[*]}"
  restart_chasquid
  for _ in $(seq 1 50); do
    systemctl is-active --quiet chasquid && break
    sleep 0.2
  done
  if ! systemctl is-active --quiet chasquid; then
    journalctl -u chasquid -n 30 --no-pager >&2 || true
    die "chasquid did not start (log above)"
  fi
  echo "restarted=yes"
else
  echo "restarted=no"
fi
printf 'chasquid=%s\ndkim=%s\n' "$version" "$dkim_mode"
