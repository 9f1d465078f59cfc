#!/usr/bin/env bash
# Part of the base step (plans/host/step-command.ts puts it before base.sh, which calls
# converge_fail2ban): fail2ban's jail for chasquid's failed logins, banning through fail2ban's own
# nftables table. Parameters: MS_F2B_ENABLED (yes|no), MS_F2B_MAXRETRY, MS_F2B_FINDTIME and
# MS_F2B_BANTIME (seconds), MS_F2B_IGNOREIP (addresses or networks, space-separated; may be empty).
# The packages (fail2ban, python3-systemd, nftables) come with base's own.
set -euo pipefail

F2B_ETC=${F2B_ETC:-/etc/fail2ban}
F2B_JAIL=mailstack-chasquid
F2B_UNIT_DIR=${F2B_UNIT_DIR:-/etc/systemd/system/fail2ban.service.d}

# mailstack's own filter, always: Debian's chasquid packages (1.15.0-1+b4 included) install no
# fail2ban filter, and upstream's etc/fail2ban/filter.d/chasquid.conf (1.15+, "SMTP.Conn <ADDR>:\d+:
# error:") counts every error of a connection (a real mail server's RCPT to an unknown address, a
# TLS handshake a scanner broke off), so on port 25 it would ban senders that only made a mistake.
# Ours counts a refused AUTH only. chasquid logs every reply of 400 or more through the connection's
# trace, to stderr, so into chasquid.service's journal (chasquid internal/smtpsrv/conn.go:
# c.tr.Errorf("%s failed: %d  %s", cmd, code, msg); internal/trace/trace.go: "%s %s: error: %s" with
# the family "SMTP.Conn" and the peer's address as the title; the same text in 1.11 and 1.15):
#   _ conn.go:318        SMTP.Conn 203.0.113.9:41234: error: AUTH failed: 535  5.7.8 Incorrect user or password
#   _ conn.go:318        SMTP.Conn [2001:db8::9]:41234: error: AUTH failed: 535  5.7.8 Incorrect user or password
# 535 is a wrong user or password (RFC 4954 §6). 454 (chasquid's users database failed) and 501 (an
# undecodable response) are not a client guessing, and AUTH before TLS (503) sends no password.
f2b_filter() {
  cat <<'CONF'
# mailstack: chasquid's refused logins (wrong user or password). Written by mailstack's base step.
[Definition]
failregex = SMTP\.Conn <ADDR>:\d+: error: AUTH failed: 535\b
ignoreregex =

[Init]
journalmatch = _SYSTEMD_UNIT=chasquid.service
CONF
}

# The ban: fail2ban's nftables-multiport action (Debian 12's and 13's action.d/nftables.conf) makes its
# own table `inet f2b-table` with a chain `f2b-chain` at `hook input priority -1` and, per jail, a set
# of banned addresses and a rule `tcp dport { 25, 465, 587 } ip saddr @addr-set-mailstack-chasquid
# reject`. mailstack's `inet mailstack` table (base.sh) filters at `hook input priority 0`: the lower
# number runs first, so a banned address is refused before mailstack's accept rules are seen. It would
# be refused even after them: an accept only ends its own chain, while a reject or drop in any chain
# at the hook is final. The two tables never touch each other's rules (mailstack's firewall replaces
# its own table only).
f2b_jail() {
  local ignore="127.0.0.1/8 ::1${MS_F2B_IGNOREIP:+ $MS_F2B_IGNOREIP}"
  cat <<CONF
# mailstack: a jail for chasquid's failed logins (mailstack:fail2ban). Written by mailstack's base step.
[$F2B_JAIL]
enabled = true
backend = systemd
filter = $F2B_JAIL
port = 25,465,587
protocol = tcp
banaction = nftables-multiport
maxretry = $MS_F2B_MAXRETRY
findtime = $MS_F2B_FINDTIME
bantime = $MS_F2B_BANTIME
ignoreself = true
ignoreip = $ignore
CONF
}

# Debian 12's fail2ban enables its sshd jail reading /var/log/auth.log, which a system without
# rsyslog (most images now) lacks: fail2ban then does not start at all, our jail with it
# (fail2ban/fail2ban#3567). Debian 13 reads sshd from the journal; this does the same everywhere. It
# stays when the jail is turned off: the package stays, and must keep starting.
f2b_sshd_journal() {
  cat <<'CONF'
# mailstack: read sshd's failures from the journal (Debian 12 without rsyslog has no /var/log/auth.log,
# and fail2ban would not start). Written by mailstack's base step.
[sshd]
backend = systemd
CONF
}

# `systemctl restart nftables` flushes the whole ruleset, fail2ban's table with it: restart fail2ban
# with it, which makes its table again and bans the addresses still banned (kept in its database).
f2b_unit_dropin() {
  cat <<'CONF'
# mailstack: fail2ban's nftables table goes when nftables.service (re)loads its ruleset; come back with it.
[Unit]
After=nftables.service
PartOf=nftables.service
CONF
}

# f2b_wait_for_jail: waits (at most 30 s: fail2ban is a Python program, slow to start on a busy
# small VPS) until the jail answers; stops the step with fail2ban's log when it does not.
f2b_wait_for_jail() {
  local deadline=$((SECONDS + 30))
  while :; do
    fail2ban-client status "$F2B_JAIL" >/dev/null 2>&1 && return 0
    [ "$SECONDS" -lt "$deadline" ] || break
    sleep 0.5
  done
  fail2ban-client -t >&2 || true
  journalctl -u fail2ban -n 30 --no-pager >&2 || true
  die "fail2ban did not start the jail $F2B_JAIL (its configuration test and log above)"
}

# f2b_apply: fail2ban re-reads its configuration (a reload keeps the bans in force), or starts.
f2b_apply() {
  local how=restart
  if systemctl is-active --quiet fail2ban; then
    how=reload-or-restart
  else
    # Installed a moment ago, it may have failed to start on the package's defaults (see above).
    systemctl reset-failed fail2ban 2>/dev/null || true
  fi
  if ! systemctl "$how" fail2ban; then
    fail2ban-client -t >&2 || true
    die "fail2ban did not take its configuration (its configuration test above; journalctl -u fail2ban says more)"
  fi
}

# converge_fail2ban: adds what it changed to base's `changed` list.
converge_fail2ban() {
  local jail="$F2B_ETC/jail.d/$F2B_JAIL.conf" filter="$F2B_ETC/filter.d/$F2B_JAIL.conf" dropin="$F2B_UNIT_DIR/mailstack.conf" wrote=""
  if [ "$MS_F2B_ENABLED" != yes ]; then
    # Off: our jail and filter go, the package and its own jails stay.
    if [ -e "$jail" ] || [ -e "$filter" ] || [ -e "$dropin" ]; then
      rm -f "$jail" "$filter" "$dropin"
      systemctl daemon-reload
      # Stopping the jail lifts its bans (its set and rule leave fail2ban's table).
      if systemctl is-active --quiet fail2ban; then f2b_apply; fi
      changed+=("fail2ban jail removed")
    fi
    return 0
  fi
  : "${MS_F2B_MAXRETRY:?}" "${MS_F2B_FINDTIME:?}" "${MS_F2B_BANTIME:?}"
  mkdir -p "$F2B_ETC/jail.d" "$F2B_ETC/filter.d" "$F2B_UNIT_DIR"
  wrote+=$(f2b_filter | install_file "$filter" 0644 root:root)
  wrote+=$(f2b_sshd_journal | install_file "$F2B_ETC/jail.d/mailstack-sshd-journal.conf" 0644 root:root)
  wrote+=$(f2b_jail | install_file "$jail" 0644 root:root)
  local unit
  unit=$(f2b_unit_dropin | install_file "$dropin" 0644 root:root)
  [ -z "$unit" ] || systemctl daemon-reload
  if [ -n "$wrote$unit" ] || ! systemctl is-active --quiet fail2ban || ! systemctl is-enabled --quiet fail2ban; then
    systemctl enable --quiet fail2ban
    f2b_apply
    changed+=("fail2ban jail $F2B_JAIL")
  fi
  f2b_wait_for_jail
}
