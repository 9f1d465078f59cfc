#!/usr/bin/env bash
# Destroy of step 5 (the host's owner): removes the domain folders and DKIM keys this stack created
# and gives up the host's ownership. Never the mail queue (/var/lib/chasquid), never folders it did
# not create, never another stack's domains: while any domain is left, chasquid keeps running.
# Parameters: MS_STACK.
set -euo pipefail
: "${MS_STACK:?}"
etc=/etc/chasquid
removed=0
for marker in "$etc"/domains/*/.mailstack; do
  [ -e "$marker" ] || continue
  owner=$(cat "$marker")
  [ -z "$owner" ] || [ "$owner" = "$MS_STACK" ] || continue
  dir=$(dirname "$marker")
  rm -rf "$dir" "$etc/certs/$(basename "$dir")/dkim_privkey.pem"
  rmdir "$etc/certs/$(basename "$dir")" 2>/dev/null || true
  removed=$((removed + 1))
done
rm -f "$etc/.mailstack-domains" /etc/systemd/system/chasquid.service.d/50-mailstack.conf
systemctl daemon-reload
if [ "$(cat /etc/mailstack/owner 2>/dev/null || true)" = "$MS_STACK" ]; then rm -f /etc/mailstack/owner; fi
if [ -z "$(ls -A "$etc/domains" 2>/dev/null)" ]; then
  # chasquid cannot run without a domain: stop and disable it (and its sockets) rather than let it
  # crash-loop, now or after the next reboot.
  systemctl disable --now --quiet chasquid.service "${CHASQUID_SOCKETS[@]}" || true
  systemctl reset-failed chasquid.service 2>/dev/null || true
elif [ "$removed" -gt 0 ] && systemctl is-active --quiet chasquid; then
  systemctl restart chasquid || true
fi
log "removed $removed domain folder(s); the queue in /var/lib/chasquid is kept"
