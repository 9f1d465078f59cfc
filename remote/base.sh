#!/usr/bin/env bash
# Step 2: the base OS. Packages, host name, automatic security updates, IPv6, firewall, fail2ban.
# Parameters: MS_HOSTNAME, MS_IPV6 (may be empty), MS_SSH_PORT, MS_FIREWALL (yes|no), MS_STACK, and
# fail2ban's (MS_F2B_ENABLED yes|no and the jail's numbers, see fail2ban.sh, which comes before this).
# Prints the chasquid installed and how it signs DKIM (chasquid=…, dkim=…).
set -euo pipefail
: "${MS_HOSTNAME:?}" "${MS_SSH_PORT:?}" "${MS_FIREWALL:?}" "${MS_STACK:?}" "${MS_F2B_ENABLED:?}"
MS_IPV6=${MS_IPV6:-}
changed=()

# One stack owns the host (this step, the certificate, chasquid's config, the firewall, the host's
# records); other stacks only add their domains (mailstack:hosts[].owner: false).
# The claims step refused a conflict before anything was made; this check at the write covers two
# stacks deploying at the same moment.
mkdir -p /etc/mailstack
owner=$(cat /etc/mailstack/owner 2>/dev/null || true)
if [ -n "$owner" ] && [ "$owner" != "$MS_STACK" ]; then
  die "$MS_HOSTNAME is owned by stack $owner; stack $MS_STACK declares it with owner: true too. Set mailstack:hosts[].owner: false in one of the two stacks (pulumi config set --path 'mailstack:hosts[0].owner' false)"
fi
[ -z "$(printf '%s\n' "$MS_STACK" | install_file /etc/mailstack/owner 0644 root:root)" ] || changed+=("owner $MS_STACK")
# shellcheck disable=SC1091
. /etc/os-release

# Debian 12's chasquid (1.11) lacks the SMTP smuggling fix (CVE-2023-52354) and, built with Go 1.19,
# cannot refuse TLS 1.0/1.1. Debian 13's (1.15) depends only on libc6 >= 2.34: take that one package
# from trixie, pinned alone, so nothing else on the host moves to trixie.
if [ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ]; then
  sources=$(install_file /etc/apt/sources.list.d/mailstack-chasquid.list 0644 root:root <<'CONF'
# mailstack: chasquid from Debian 13 (see /etc/apt/preferences.d/mailstack-chasquid)
deb http://deb.debian.org/debian trixie main
deb http://deb.debian.org/debian-security trixie-security main
CONF
  )
  pins=$(install_file /etc/apt/preferences.d/mailstack-chasquid 0644 root:root <<'CONF'
# mailstack: only chasquid comes from trixie (and its security updates); nothing else may.
Package: chasquid
Pin: release n=trixie
Pin-Priority: 990

Package: chasquid
Pin: release n=trixie-security
Pin-Priority: 990

Package: *
Pin: release n=trixie
Pin-Priority: -10

Package: *
Pin: release n=trixie-security
Pin-Priority: -10
CONF
  )
  # unattended-upgrades takes only the host's own release by default: let it update that one
  # package from trixie too (the pins keep everything else out of its reach).
  install_file /etc/apt/apt.conf.d/52mailstack-chasquid-upgrades 0644 root:root <<'CONF' | sed 's/^/wrote /'
Unattended-Upgrade::Origins-Pattern {
  "origin=Debian,codename=trixie-security,label=Debian-Security";
  "origin=Debian,codename=trixie,label=Debian";
};
CONF
  if [ -n "$sources$pins" ]; then
    apt_get update -qq
    changed+=("chasquid from trixie")
  fi
fi

# Packages from the distribution only. nftables only with mailstack's firewall or fail2ban (its
# bans are nftables rules); python3-systemd lets fail2ban read the journal (only a Recommends).
packages=(chasquid certbot ca-certificates openssl python3 unattended-upgrades iproute2)
if [ "$MS_FIREWALL" = yes ] || [ "$MS_F2B_ENABLED" = yes ]; then packages+=(nftables); fi
[ "$MS_F2B_ENABLED" = yes ] && packages+=(fail2ban python3-systemd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# An installed chasquid without the SMTP smuggling fix (before 1.13) is upgraded, never kept.
installed=$(dpkg-query -W -f='${Status} ${Version}' chasquid 2>/dev/null || true)
case "$installed" in
  "install ok installed "*) version_ge "${installed##* }" 1.13 || missing+=(chasquid) ;;
esac
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  changed+=("packages: ${missing[*]}")
else
  # Nothing to install; a package run cut earlier (a reboot, a killed session) is finished all the
  # same: with dpkg half-done, no security update installs.
  apt_get check -qq
fi
version=$(chasquid_version)
version_ge "$version" 1.13 || die "chasquid $version has no fix for SMTP smuggling (CVE-2023-52354) and no newer one is available: use Debian 12/13 or Ubuntu 24.04+"
# Before 1.14 the packaged post-data hook signs DKIM with dkimsign, from python3-dkim.
if version_ge "$version" 1.14; then
  dkim=native
else
  dkim=hook
  if ! dpkg-query -W -f='${Status}' python3-dkim 2>/dev/null | grep -q 'install ok installed'; then
    apt_get install -y -qq --no-install-recommends python3-dkim >/dev/null
    changed+=("packages: python3-dkim")
  fi
fi

# Host name = PTR name = chasquid hostname. A provider image's cloud-init would set its own name
# (and rewrite /etc/hosts) at every boot: tell it to leave both alone.
if [ -d /etc/cloud/cloud.cfg.d ]; then
  install_file /etc/cloud/cloud.cfg.d/99-mailstack.cfg 0644 root:root <<'CONF' | sed 's/^/wrote /'
# mailstack: the host name is the mail server's (PTR) name; keep it across reboots.
preserve_hostname: true
manage_etc_hosts: false
CONF
fi
short=${MS_HOSTNAME%%.*}
if [ "$(cat /etc/hostname 2>/dev/null)" != "$MS_HOSTNAME" ]; then
  printf '%s\n' "$MS_HOSTNAME" >/etc/hostname
  changed+=(hostname)
fi
[ "$(hostname)" = "$MS_HOSTNAME" ] || hostname "$MS_HOSTNAME"
if ! grep -qE "^127\.0\.1\.1[[:space:]]+$MS_HOSTNAME( |$)" /etc/hosts; then
  sed -i '/^127\.0\.1\.1[[:space:]]/d' /etc/hosts
  printf '127.0.1.1\t%s %s\n' "$MS_HOSTNAME" "$short" >>/etc/hosts
  changed+=(/etc/hosts)
fi

# Security updates without a human.
install_file /etc/apt/apt.conf.d/20auto-upgrades 0644 root:root <<'CONF' | sed 's/^/wrote /'
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
CONF

# IPv6 (the seed's sysctl lines), and the address itself where a netplan image leaves it out (Contabo).
# The file sorts after 99-sysctl.conf (= /etc/sysctl.conf, where providers turn IPv6 off), so it
# wins at boot too.
if [ -n "$MS_IPV6" ]; then
  rm -f /etc/sysctl.d/60-mailstack-ipv6.conf   # older mailstack's name, which sysctl.conf overrode
  install_file /etc/sysctl.d/99-zz-mailstack-ipv6.conf 0644 root:root <<'CONF' | sed 's/^/wrote /'
net.ipv6.conf.all.disable_ipv6 = 0
net.ipv6.conf.default.disable_ipv6 = 0
net.ipv6.conf.lo.disable_ipv6 = 0
CONF
  sysctl -q -p /etc/sysctl.d/99-zz-mailstack-ipv6.conf >/dev/null 2>&1 || log "could not apply the IPv6 sysctls now (read-only /proc/sys?); they apply at boot"
  if ! ip -6 addr show scope global | grep -qF "inet6 $MS_IPV6/"; then
    [ -d /etc/netplan ] || die "IPv6 $MS_IPV6 is not configured on any interface: add it in the provider's network settings, or remove mailstack:hosts[].ipv6"
    iface=$(ip -4 route show default | awk '{for (i = 1; i < NF; i++) if ($i == "dev") {print $(i + 1); exit}}')
    [ -n "$iface" ] || die "no default IPv4 route: cannot tell which interface gets $MS_IPV6"
    # Contabo's documented IPv6 setup: the address as /64, default route via fe80::1.
    install_file /etc/netplan/60-mailstack-ipv6.yaml 0600 root:root <<CONF | sed 's/^/wrote /'
network:
  version: 2
  ethernets:
    $iface:
      addresses: ["$MS_IPV6/64"]
      routes:
        - to: "::/0"
          via: "fe80::1"
          on-link: true
CONF
    # netplan apply reloads udev, which a container VPS (LXC, nspawn) does not run: there, render the
    # files and have networkd (netplan's renderer on servers) pick them up.
    if udevadm control --ping >/dev/null 2>&1; then
      netplan apply
    else
      netplan generate
      networkctl reload
      networkctl reconfigure "$iface"
    fi
    for _ in $(seq 1 25); do
      ip -6 addr show scope global | grep -qF "inet6 $MS_IPV6/" && break
      sleep 0.2
    done
    changed+=("ipv6 $MS_IPV6 on $iface")
  fi
fi

# Firewall: our own nftables table, so rules of other tools stay untouched. Open: SSH, SMTP (25),
# ACME HTTP-01 (80), submission (465, 587). The monitoring server listens on 127.0.0.1 only.
unit=/etc/systemd/system/mailstack-firewall.service
if [ "$MS_FIREWALL" = yes ]; then
  if command -v ufw >/dev/null && ufw status 2>/dev/null | grep -q '^Status: active'; then
    die "ufw is active and would drop mail next to mailstack's firewall: open the ports in it (ufw allow 25,80,465,587/tcp) and set mailstack:hosts[].firewall to false, or disable ufw (ufw disable)"
  fi
  mkdir -p /etc/mailstack
  wrote=$(install_file /etc/mailstack/firewall.nft 0644 root:root <<CONF
#!/usr/sbin/nft -f
table inet mailstack
delete table inet mailstack
table inet mailstack {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    ct state invalid drop
    meta l4proto { 1, 58 } accept comment "ICMP, ICMPv6 (numbers: images without netbase have no /etc/protocols)"
    tcp dport { $MS_SSH_PORT, 25, 80, 465, 587 } accept
  }
}
CONF
  )
  # Ordered as Debian's nftables.service: before the network, outside the default dependencies
  # (which would order it after sysinit and make a cycle with cloud-init's network stage). After
  # nftables.service, whose "flush ruleset" would otherwise remove the table (at boot, and on its
  # restart, which PartOf= propagates to this unit).
  wrote_unit=$(install_file "$unit" 0644 root:root <<'CONF'
[Unit]
Description=mailstack firewall (nftables table inet mailstack)
DefaultDependencies=no
Wants=network-pre.target
Before=network-pre.target shutdown.target
After=nftables.service
PartOf=nftables.service
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f /etc/mailstack/firewall.nft
ExecStop=/usr/sbin/nft delete table inet mailstack

[Install]
WantedBy=sysinit.target
CONF
  )
  if [ -n "$wrote_unit" ]; then
    systemctl daemon-reload
    # A unit installed under another target by an older mailstack: re-enable under sysinit.target.
    systemctl disable --quiet mailstack-firewall 2>/dev/null || true
  fi
  # The table itself, not just the unit: something may have flushed the ruleset since.
  if [ -n "$wrote$wrote_unit" ] || ! systemctl is-enabled --quiet mailstack-firewall 2>/dev/null \
    || ! nft list table inet mailstack >/dev/null 2>&1; then
    systemctl enable --quiet mailstack-firewall
    systemctl restart mailstack-firewall
    nft list table inet mailstack >/dev/null || die "the firewall table inet mailstack did not load"
    changed+=(firewall)
  fi
elif [ -e "$unit" ]; then
  # firewall: false: remove what an earlier deploy installed.
  systemctl disable --now --quiet mailstack-firewall 2>/dev/null || true
  nft delete table inet mailstack 2>/dev/null || true
  rm -f "$unit" /etc/mailstack/firewall.nft
  systemctl daemon-reload
  changed+=("firewall removed")
fi

# fail2ban: a jail for chasquid's failed logins, or none (fail2ban.sh).
converge_fail2ban

log "base: ${#changed[@]} change(s)${changed:+: ${changed[*]}}"
printf 'chasquid=%s\ndkim=%s\n' "$version" "$dkim"
