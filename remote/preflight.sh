#!/usr/bin/env bash
# Step 1: is this a host mailstack can converge? Prints facts as key=value lines (os, hostkey);
# changes nothing but apt's package lists. MS_GUEST_OF (the host name), for a stack that does not
# own the host: its owner must have set it up; prints the chasquid installed and its DKIM mode too.
set -euo pipefail
MS_GUEST_OF=${MS_GUEST_OF:-}

[ "$(id -u)" -eq 0 ] || die "not root: log in as root, or give the SSH user passwordless sudo (mailstack:hosts[].sshUser)"
[ -r /etc/os-release ] || die "no /etc/os-release: unsupported OS (use Debian 12/13 or Ubuntu 24.04+)"
# shellcheck disable=SC1091
. /etc/os-release
os="${ID:-unknown} ${VERSION_ID:-?}"
case "${ID:-}" in
  debian)
    case "${VERSION_ID:-}" in
      12|13) ;;
      *) die "Debian ${VERSION_ID:-?} is not supported: use Debian 12 or 13" ;;
    esac ;;
  ubuntu)
    if dpkg --compare-versions "${VERSION_ID:-0}" lt 24.04; then
      die "Ubuntu ${VERSION_ID:-?} ships chasquid 1.8: no catch-all aliases and no fix for SMTP smuggling (CVE-2023-52354). Reinstall the VPS with Ubuntu 24.04+ or Debian 12/13 (Contabo: Reinstall in the control panel)"
    fi ;;
  *) die "$os is not supported: use Debian 12/13 or Ubuntu 24.04+" ;;
esac
command -v systemctl >/dev/null || die "no systemd: mailstack needs systemd to run chasquid and certbot's timer"

apt_get update -qq
version=$(chasquid_version)
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
  die "no chasquid package for $os: enable the distribution's main (Debian) or universe (Ubuntu) archive"
fi
version_ge "$version" 1.11 || die "chasquid $version is too old (needs 1.11+)"
# Debian 12's own (1.11) is replaced by Debian 13's in the base step; how DKIM is signed is decided
# there and at each chasquid step, from the version actually installed.

hostkey=/etc/ssh/ssh_host_ed25519_key.pub
[ -r "$hostkey" ] || die "no ed25519 SSH host key ($hostkey): mailstack pins it (ssh-keygen -A creates one)"
if [ -n "$MS_GUEST_OF" ]; then
  owner=$(cat /etc/mailstack/owner 2>/dev/null || true)
  installed=$(dpkg-query -W -f='${Status} ${Version}' chasquid 2>/dev/null || true)
  case "$installed" in "install ok installed "*) installed=${installed##* } ;; *) installed= ;; esac
  if [ -z "$owner" ] || [ -z "$installed" ]; then
    die "$MS_GUEST_OF is not set up by a stack that owns it yet: deploy that stack first (its mailstack:hosts entry has owner: true, the default), then this one"
  fi
  if version_ge "$installed" 1.14; then dkim=native; else dkim=hook; fi
  printf 'owner=%s\nchasquid=%s\ndkim=%s\n' "$owner" "$installed" "$dkim"
fi
printf 'os=%s\n' "${ID}-${VERSION_ID}"
# The key this connection was made with: later steps pin it unless sshHostKey pins one already.
printf 'hostkey=%s\n' "$(cut -d' ' -f1,2 "$hostkey")"
