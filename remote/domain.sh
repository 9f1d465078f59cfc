#!/usr/bin/env bash
# Step 4 (per domain): the domain's folder with its users and aliases files. A running chasquid
# re-reads both (every 30 s, or at once on SIGHUP from 1.12): no restart. A new domain is loaded by
# the chasquid step's restart, which runs after this one.
# Parameters: MS_DOMAIN. Bundle (stdin, secret): users, aliases.
set -euo pipefail
: "${MS_DOMAIN:?}"
dir=/etc/chasquid/domains/$MS_DOMAIN
if [ ! -d "$dir" ]; then
  mkdir -p "$dir"
  # Marks folders this stack created: removal never touches a folder someone else made.
  touch "$dir/.mailstack"
elif [ ! -f "$dir/.mailstack" ]; then
  log "domain $MS_DOMAIN: $dir existed before mailstack; its users and aliases are now managed, the folder is kept on destroy"
fi
bundle=$(mktemp -d)
trap 'rm -rf "$bundle"' EXIT
read_bundle "$bundle"
# Readable by chasquid, writable by root only (from 1.12 a reload that cannot read them is fatal).
install_file "$dir/users" 0640 root:chasquid <"$bundle/users" | sed 's/^/wrote /'
install_file "$dir/aliases" 0640 root:chasquid <"$bundle/aliases" | sed 's/^/wrote /'
# Ask for the reload now where chasquid supports it (1.12+); older ones pick it up within 30 s.
if version_ge "$(chasquid_version)" 1.12 && systemctl is-active --quiet chasquid; then
  reload_chasquid
fi
log "domain $MS_DOMAIN: users and aliases in place"
