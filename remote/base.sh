#!/usr/bin/env bash
# Step 2: the base OS. Packages, host name, automatic security updates, IPv6, firewall.
# Parameters: MS_HOSTNAME, MS_DKIM_MODE (native|hook), MS_IPV6 (may be empty), MS_SSH_PORT, MS_FIREWALL (yes|no).
set -euo pipefail
: "${MS_HOSTNAME:?}" "${MS_DKIM_MODE:?}" "${MS_SSH_PORT:?}" "${MS_FIREWALL:?}"
MS_IPV6=${MS_IPV6:-}
changed=()

# Packages from the distribution only. python3-dkim gives the packaged post-data hook its dkimsign.
packages=(chasquid certbot ca-certificates openssl python3 unattended-upgrades iproute2)
[ "$MS_DKIM_MODE" = hook ] && packages+=(python3-dkim)
[ "$MS_FIREWALL" = yes ] && packages+=(nftables)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  changed+=("packages: ${missing[*]}")
fi

# Host name = PTR name = chasquid hostname.
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
if [ -n "$MS_IPV6" ]; then
  install_file /etc/sysctl.d/60-mailstack-ipv6.conf 0644 root:root <<'CONF' | sed 's/^/wrote /'
net.ipv6.conf.all.disable_ipv6 = 0
net.ipv6.conf.default.disable_ipv6 = 0
net.ipv6.conf.lo.disable_ipv6 = 0
CONF
  sysctl -q -p /etc/sysctl.d/60-mailstack-ipv6.conf >/dev/null 2>&1 || log "could not apply the IPv6 sysctls now (read-only /proc/sys?); they apply at boot"
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
    netplan apply
    changed+=("ipv6 $MS_IPV6 on $iface")
  fi
fi

# Firewall: our own nftables table, so rules of other tools stay untouched. Open: SSH, SMTP (25),
# ACME HTTP-01 (80), submission (465, 587). The monitoring server listens on 127.0.0.1 only.
if [ "$MS_FIREWALL" = yes ]; then
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
    meta l4proto { icmp, ipv6-icmp } accept
    tcp dport { $MS_SSH_PORT, 25, 80, 465, 587 } accept
  }
}
CONF
  )
  wrote_unit=$(install_file /etc/systemd/system/mailstack-firewall.service 0644 root:root <<'CONF'
[Unit]
Description=mailstack firewall (nftables table inet mailstack)
Before=network-pre.target
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f /etc/mailstack/firewall.nft
ExecStop=/usr/sbin/nft delete table inet mailstack

[Install]
WantedBy=multi-user.target
CONF
  )
  [ -z "$wrote_unit" ] || systemctl daemon-reload
  if [ -n "$wrote$wrote_unit" ] || ! systemctl is-active --quiet mailstack-firewall; then
    systemctl enable --quiet mailstack-firewall
    systemctl restart mailstack-firewall
    changed+=(firewall)
  fi
fi

log "base: ${#changed[@]} change(s)${changed:+: ${changed[*]}}"
