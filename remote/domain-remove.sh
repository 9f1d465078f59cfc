#!/usr/bin/env bash
# Removal of step 5: the domain left the stack. Its folder goes, and chasquid restarts so a reload
# never trips over the missing files.
set -euo pipefail
: "${MS_DOMAIN:?}"
dir=/etc/chasquid/domains/$MS_DOMAIN
if [ -f "$dir/.mailstack" ]; then
  rm -rf "$dir"
  rm -f "/etc/chasquid/certs/$MS_DOMAIN/dkim_privkey.pem"
  rmdir "/etc/chasquid/certs/$MS_DOMAIN" 2>/dev/null || true
  if systemctl is-active --quiet chasquid; then systemctl restart chasquid || true; fi
fi
log "domain $MS_DOMAIN removed"
