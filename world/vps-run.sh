#!/usr/bin/env bash
# Runs the vps container and boots it again when the guest reboots (nspawn exits 133),
# like a real machine. SIGTERM powers the guest off and ends the loop.
set -euo pipefail
root=$1 netns=$2 pidfile=$3
child=

stop() {
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" || true
  fi
  exit 0
}
trap stop TERM INT

while :; do
  # CAP_NET_ADMIN and a writable /proc/sys/net (only that: "network"), as a real VPS's root has them:
  # the vps manages its own netns (addresses, firewall, IPv6 sysctls at boot).
  SYSTEMD_NSPAWN_API_VFS_WRITABLE=network systemd-nspawn -D "$root" -b -M msw-vps --register=no --keep-unit --capability=CAP_NET_ADMIN \
    --network-namespace-path="/run/netns/$netns" --resolv-conf=off --timezone=off </dev/null &
  child=$!
  echo "$child" >"$pidfile"
  rc=0
  wait "$child" || rc=$?
  child=
  echo "vps-run: nspawn exited with $rc"
  [ "$rc" -eq 133 ] || exit "$rc"
done
