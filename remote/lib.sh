#!/usr/bin/env bash
# Shared helpers, prepended to every remote step by plans/host/step-command.ts (never run alone).
set -euo pipefail
# Without it bash runs $(...) with -e off: a failing command inside a substitution would go unnoticed.
shopt -s inherit_errexit
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

CHASQUID_SOCKETS=(chasquid-smtp.socket chasquid-submission.socket chasquid-submission_tls.socket)

# Restart chasquid cleanly: after a failed start systemd keeps the unit and its sockets failed
# (start-limit-hit), so clear that first; the sockets themselves keep listening (no dropped backlog).
restart_chasquid() {
  systemctl reset-failed chasquid.service "${CHASQUID_SOCKETS[@]}" 2>/dev/null || true
  systemctl start "${CHASQUID_SOCKETS[@]}"
  systemctl restart chasquid.service
}

# restart_chasquid_for REASON...: restarts chasquid, waits until it runs, and stops the step with
# chasquid's last log lines when it does not come up. Prints restarted=yes.
restart_chasquid_for() {
  log "restarting chasquid: $*"
  restart_chasquid
  for _ in $(seq 1 50); do
    systemctl is-active --quiet chasquid && break
    sleep 0.2
  done
  if ! systemctl is-active --quiet chasquid; then
    journalctl -u chasquid -n 30 --no-pager >&2 || true
    die "chasquid did not start (log above)"
  fi
  echo "restarted=yes"
}

# A restart a step decides on may not happen (its session cut, pulumi killed) after the files
# chasquid loads at start changed; the next run, finding nothing to write, would not restart. So a
# step marks a restart as due before it changes anything, and clears the mark once done; a step
# that finds the mark restarts. In /run: a boot starts chasquid with the files as they are.
RESTART_DUE=/run/mailstack/chasquid-restart-due

# restart_due_begin: prints a reason when an earlier run left a restart due; marks one as due.
restart_due_begin() {
  [ ! -e "$RESTART_DUE" ] || echo "a restart an interrupted run left due"
  mkdir -p "${RESTART_DUE%/*}"
  : >"$RESTART_DUE"
}

restart_due_end() { rm -f "$RESTART_DUE"; }

# Ask a running chasquid to re-read users and aliases (1.12+). Only the main process: a unit-wide
# signal would also hit running hooks and deliveries.
reload_chasquid() {
  local pid
  pid=$(systemctl show -p MainPID --value chasquid.service 2>/dev/null || echo 0)
  [ "${pid:-0}" -gt 0 ] && kill -HUP "$pid"
  return 0
}

# finish_interrupted_dpkg: what `dpkg --configure -a` alone cannot do after a reboot in the middle
# of an install. It clears dpkg's journal and configures what was unpacked, but refuses a package
# whose unpacking was cut (half-installed, "reinstall required"): those are unpacked again, then
# configured.
finish_interrupted_dpkg() {
  local cut
  dpkg --configure -a || true
  cut=$(dpkg-query -W -f='${db:Status-Abbrev}\t${binary:Package}\n' 2>/dev/null \
    | awk -F'\t' 'substr($1, 2, 1) == "H" || substr($1, 3, 1) == "R" { print $2 }')
  if [ -n "$cut" ]; then
    log "packages whose unpacking was cut, unpacked again: $(tr '\n' ' ' <<<"$cut")"
    # shellcheck disable=SC2086 # one word per package
    apt-get -o DPkg::Lock::Timeout=60 install -y -q -f --reinstall $cut >/dev/null
  fi
  dpkg --configure -a
}

# apt_get ARGS...: apt-get that waits for another package job to release apt's locks (a fresh
# VPS runs unattended-upgrades right after its first boot), at most MS_APT_WAIT seconds (600), and
# finishes a dpkg run that was interrupted (a reboot in the middle of an install) before going on.
apt_get() {
  local deadline=$((SECONDS + ${MS_APT_WAIT:-600})) out rc told=no repaired=no
  while :; do
    rc=0
    out=$(apt-get -o DPkg::Lock::Timeout=5 "$@" 2>&1) || rc=$?
    if [ "$rc" -eq 0 ]; then
      [ -z "$out" ] || printf '%s\n' "$out"
      return 0
    fi
    if [ "$repaired" = no ] && grep -q "dpkg was interrupted" <<<"$out"; then
      log "an earlier package run was interrupted: finishing it"
      finish_interrupted_dpkg
      repaired=yes
      continue
    fi
    if grep -qiE "could not get lock|unable to acquire|unable to lock" <<<"$out"; then
      [ "$SECONDS" -lt "$deadline" ] \
        || die "apt stayed busy for ${MS_APT_WAIT:-600} s: another package job holds its lock (ps aux | grep -E 'apt|dpkg|unattended'); run pulumi up again once it is done"
      [ "$told" = yes ] || log "another package job holds apt's lock (a new VPS updates itself after its first boot): waiting"
      told=yes
      sleep 3
      continue
    fi
    printf '%s\n' "$out" >&2
    return "$rc"
  done
}
