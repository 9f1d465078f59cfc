#!/usr/bin/env bash
# Step 4 (per domain): the domain's folder with its users and aliases files. A running chasquid
# re-reads both (every 30 s, or at once on SIGHUP from 1.12): no restart. A new domain is loaded by
# the chasquid step's restart, which runs after this one.
# Parameters: MS_DOMAIN. Bundle (stdin, secret): users, aliases.
set -euo pipefail
: "${MS_DOMAIN:?}"
dir=/etc/chasquid/domains/$MS_DOMAIN
mkdir -p "$dir"
touch "$dir/.mailstack"   # marks folders this stack owns (removal never touches others)
bundle=$(mktemp -d)
trap 'rm -rf "$bundle"' EXIT
read_bundle "$bundle"
# Owned by chasquid: 1.15 exits when a reload cannot read the users file.
install_file "$dir/users" 0640 chasquid:chasquid <"$bundle/users" | sed 's/^/wrote /'
install_file "$dir/aliases" 0640 chasquid:chasquid <"$bundle/aliases" | sed 's/^/wrote /'
# Ask for the reload now where chasquid supports it (1.12+); older ones pick it up within 30 s.
if version_ge "$(chasquid_version)" 1.12 && systemctl is-active --quiet chasquid; then
  systemctl kill --signal=HUP chasquid || true
fi
log "domain $MS_DOMAIN: users and aliases in place"
