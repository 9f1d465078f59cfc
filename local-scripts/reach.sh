#!/usr/bin/env bash
# Run on the machine running `pulumi up`, after the host verified itself: are 465 and 587 (and 25)
# reachable from outside, at every public address? Catches a provider firewall or a port the
# provider blocks, which checks on the host itself cannot see. Port 25 unreachable is a warning
# only: many home and office networks block outbound 25 themselves.
# Parameters: MS_ADDRESSES (space-separated IPv4/IPv6).
set -euo pipefail
: "${MS_ADDRESSES:?}"
failures=()
for address in $MS_ADDRESSES; do
  for port in 465 587 25; do
    error=$(timeout 10 bash -c "exec 3<>/dev/tcp/$address/$port" 2>&1) && { echo "ok   $address:$port reachable from here"; continue; }
    case "$error" in
      *"Network is unreachable"*|*"Cannot assign requested address"*)
        echo "skip $address:$port: this machine has no route to it (no IPv6 here?)" ;;
      *)
        if [ "$port" = 25 ]; then
          echo "WARN $address:25 not reachable from here: the provider blocks it, or this network blocks outbound 25 (check with mailstack doctor from elsewhere)"
        else
          echo "FAIL $address:$port not reachable from here (${error##*: })"
          failures+=("$address:$port")
        fi ;;
    esac
  done
done
if [ ${#failures[@]} -gt 0 ]; then
  echo "mailstack: ERROR: not reachable from outside: ${failures[*]}. Open these ports in the provider's firewall (Contabo: no firewall by default; check any security group) and in mailstack:hosts[].firewall's table" >&2
  exit 1
fi
echo "reachable"
