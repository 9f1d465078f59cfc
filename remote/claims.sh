#!/usr/bin/env bash
# Step 1b: nothing this stack is about to manage belongs to another stack. Runs before any record is
# published or any file written: the host (when this stack owns it) and each of its domains are
# free or already this stack's. Changes nothing.
# Parameters: MS_STACK, MS_HOSTNAME, MS_OWNER (yes|no), MS_DOMAINS (this stack's, space-separated).
set -euo pipefail
: "${MS_STACK:?}" "${MS_HOSTNAME:?}" "${MS_OWNER:?}" "${MS_DOMAINS:?}"
problems=()
owner=$(cat /etc/mailstack/owner 2>/dev/null || true)
if [ "$MS_OWNER" = yes ] && [ -n "$owner" ] && [ "$owner" != "$MS_STACK" ]; then
  problems+=("$MS_HOSTNAME is owned by stack $owner; stack $MS_STACK declares it with owner: true too. Set mailstack:hosts[].owner: false in one of the two stacks")
fi
for domain in $MS_DOMAINS; do
  marker=/etc/chasquid/domains/$domain/.mailstack
  [ -f "$marker" ] || continue
  by=$(cat "$marker")
  if [ -n "$by" ] && [ "$by" != "$MS_STACK" ]; then
    problems+=("domain $domain is managed by stack $by; stack $MS_STACK lists it too. Remove it from the mailstack:domains of one of the two stacks")
  fi
done
if [ ${#problems[@]} -gt 0 ]; then
  printf 'mailstack: ERROR: %s\n' "${problems[@]}" >&2
  die "nothing was changed on $MS_HOSTNAME or in DNS"
fi
log "claims: no other stack manages what $MS_STACK is about to (domains: $MS_DOMAINS)"
