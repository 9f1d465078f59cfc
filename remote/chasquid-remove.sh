#!/usr/bin/env bash
# Destroy of step 4: removes the domain folders and DKIM keys this stack created. Never the mail
# queue (/var/lib/chasquid) and never folders it did not create.
set -euo pipefail
etc=/etc/chasquid
removed=0
for marker in "$etc"/domains/*/.mailstack; do
  [ -e "$marker" ] || continue
  dir=$(dirname "$marker")
  rm -rf "$dir" "$etc/certs/$(basename "$dir")/dkim_privkey.pem"
  rmdir "$etc/certs/$(basename "$dir")" 2>/dev/null || true
  removed=$((removed + 1))
done
rm -f "$etc/.mailstack-domains" /etc/systemd/system/chasquid.service.d/50-mailstack.conf
systemctl daemon-reload
if [ -z "$(ls -A "$etc/domains" 2>/dev/null)" ]; then
  # chasquid cannot run without a domain: stop and disable it (and its sockets) rather than let it
  # crash-loop, now or after the next reboot.
  systemctl disable --now --quiet chasquid.service "${CHASQUID_SOCKETS[@]}" || true
  systemctl reset-failed chasquid.service 2>/dev/null || true
elif [ "$removed" -gt 0 ] && systemctl is-active --quiet chasquid; then
  systemctl restart chasquid || true
fi
log "removed $removed domain folder(s); the queue in /var/lib/chasquid is kept"
