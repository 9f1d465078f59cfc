#!/usr/bin/env bash
# Removal of step 4: the domain left the stack. Its folder goes (only if this stack made it), and
# chasquid restarts so a reload never trips over the missing files.
# Parameters: MS_DOMAIN, MS_STACK.
set -euo pipefail
: "${MS_DOMAIN:?}" "${MS_STACK:?}"
dir=/etc/chasquid/domains/$MS_DOMAIN
if [ -f "$dir/.mailstack" ]; then
  owner=$(cat "$dir/.mailstack")
  if [ -n "$owner" ] && [ "$owner" != "$MS_STACK" ]; then
    log "domain $MS_DOMAIN kept: stack $owner manages it"
    exit 0
  fi
  rm -rf "$dir"
  rm -f "/etc/chasquid/certs/$MS_DOMAIN/dkim_privkey.pem"
  rmdir "/etc/chasquid/certs/$MS_DOMAIN" 2>/dev/null || true
  if systemctl is-active --quiet chasquid; then systemctl restart chasquid || true; fi
fi
log "domain $MS_DOMAIN removed"
