#!/usr/bin/env bash
# Shared helpers, prepended to every remote step by plans/host/step-command.ts (never run alone).
set -euo pipefail
umask 022
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

log() { printf 'mailstack: %s\n' "$*"; }
die() { printf 'mailstack: ERROR: %s\n' "$*" >&2; exit 1; }

# Version compare: true when $1 >= $2 (Debian version ordering).
version_ge() { dpkg --compare-versions "$1" ge "$2"; }

# The chasquid version apt would install (or has installed), e.g. 1.15.0-1+b4.
chasquid_version() {
  local installed
  installed=$(dpkg-query -W -f='${Status} ${Version}' chasquid 2>/dev/null || true)
  case "$installed" in
    "install ok installed "*) printf '%s\n' "${installed##* }" ;;
    *) apt-cache policy chasquid 2>/dev/null | awk '/Candidate:/ {print $2}' ;;
  esac
}

# install_file PATH MODE OWNER:GROUP < content
# Writes atomically, and only when content, mode or owner differ. Prints the path when it changed.
install_file() {
  local path=$1 mode=$2 owner=$3 tmp
  tmp=$(mktemp "$(dirname "$path")/.mailstack.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  chown "$owner" "$tmp"
  if [ -f "$path" ] && cmp -s "$tmp" "$path" \
    && [ "$(stat -c '%a %U:%G' "$path")" = "$(stat -c '%a %U:%G' "$tmp")" ]; then
    rm -f "$tmp"
    return 0
  fi
  mv -f "$tmp" "$path"
  printf '%s\n' "$path"
}

# read_bundle DIR: reads "FILE <name> <base64>" lines from stdin into DIR/<name> (names are [A-Za-z0-9._:@/-]).
read_bundle() {
  local dir=$1 tag name data
  while read -r tag name data; do
    [ -n "$tag" ] || continue
    [ "$tag" = FILE ] || die "unexpected bundle line '$tag'"
    case "$name" in
      ""|/*|*..*|*[!A-Za-z0-9._:@/-]*) die "unsafe bundle name '$name'" ;;
    esac
    mkdir -p "$dir/$(dirname "$name")"
    printf '%s' "$data" | base64 -d >"$dir/$name"
  done
}

# Restart chasquid cleanly: after a failed first start, systemd keeps the sockets in start-limit-hit.
restart_chasquid() {
  systemctl reset-failed chasquid.service chasquid-smtp.socket chasquid-submission.socket chasquid-submission_tls.socket 2>/dev/null || true
  systemctl restart chasquid-smtp.socket chasquid-submission.socket chasquid-submission_tls.socket
  systemctl restart chasquid.service
}
