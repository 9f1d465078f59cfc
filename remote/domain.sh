#!/usr/bin/env bash
# Step 4 (per domain): the domain's folder with its users, aliases and DKIM key, owned by one stack
# (its name is in the folder's .mailstack marker; another stack listing the domain is refused).
# A running chasquid re-reads users and aliases (every 30 s, or at once on SIGHUP from 1.12); it
# loads a domain's folder and native DKIM keys only at start, so a new domain or key restarts it.
# How DKIM is signed is decided here, from the chasquid installed now (it may have been upgraded
# since the last deploy): natively from 1.14, else by the packaged post-data hook with dkimpy.
# Parameters: MS_DOMAIN, MS_SELECTOR, MS_STACK, MS_ED25519_SELECTOR (optional). Bundle (stdin,
# secret): users, aliases, dkim.pem (PKCS#8 RSA), dkim-ed25519.pem (PKCS#8 Ed25519, with its selector).
set -euo pipefail
: "${MS_DOMAIN:?}" "${MS_SELECTOR:?}" "${MS_STACK:?}"
MS_ED25519_SELECTOR=${MS_ED25519_SELECTOR:-}
etc=/etc/chasquid
dir=$etc/domains/$MS_DOMAIN
restart=()
due=$(restart_due_begin)
[ -z "$due" ] || restart+=("$due")
if [ ! -d "$dir" ]; then
  mkdir -p "$dir"
  printf '%s\n' "$MS_STACK" >"$dir/.mailstack"
  restart+=("new domain $MS_DOMAIN")
elif [ ! -f "$dir/.mailstack" ]; then
  log "domain $MS_DOMAIN: $dir existed before mailstack; its users and aliases are now managed, the folder is kept on destroy"
else
  # As in base.sh: claims checked first; this covers two stacks deploying at the same moment.
  owner=$(cat "$dir/.mailstack")
  if [ -n "$owner" ] && [ "$owner" != "$MS_STACK" ]; then
    die "domain $MS_DOMAIN is managed by stack $owner; stack $MS_STACK lists it too. Remove it from the mailstack:domains of one of the two stacks"
  fi
  # Folders made before markers named their stack: this stack takes them over.
  [ -n "$owner" ] || printf '%s\n' "$MS_STACK" >"$dir/.mailstack"
fi
bundle=$(mktemp -d)
trap 'rm -rf "$bundle"' EXIT
read_bundle "$bundle"
# Readable by chasquid, writable by root only (from 1.12 a reload that cannot read them is fatal).
install_file "$dir/users" 0640 root:chasquid <"$bundle/users" | sed 's/^/wrote /'
install_file "$dir/aliases" 0640 root:chasquid <"$bundle/aliases" | sed 's/^/wrote /'

version=$(chasquid_version)
if version_ge "$version" 1.14; then
  # chasquid 1.14+: domains/<d>/dkim:<selector>.pem, loaded at start; every file found signs
  # (RSA and Ed25519 alike), so the files present are exactly this stack's keys.
  keep=("$dir/dkim:$MS_SELECTOR.pem")
  wrote=$(install_file "$dir/dkim:$MS_SELECTOR.pem" 0640 root:chasquid <"$bundle/dkim.pem")
  [ -z "$wrote" ] || restart+=("dkim $MS_DOMAIN")
  if [ -n "$MS_ED25519_SELECTOR" ]; then
    keep+=("$dir/dkim:$MS_ED25519_SELECTOR.pem")
    wrote=$(install_file "$dir/dkim:$MS_ED25519_SELECTOR.pem" 0640 root:chasquid <"$bundle/dkim-ed25519.pem")
    [ -z "$wrote" ] || restart+=("ed25519 dkim $MS_DOMAIN")
  fi
  for old in "$dir"/dkim:*.pem; do
    if [ -e "$old" ] && [[ ! " ${keep[*]} " == *" $old "* ]]; then
      rm -f "$old"
      restart+=("old dkim $old")
    fi
  done
  if [ -e "$etc/certs/$MS_DOMAIN/dkim_privkey.pem" ] || [ -e "$dir/dkim_selector" ]; then
    rm -f "$etc/certs/$MS_DOMAIN/dkim_privkey.pem" "$dir/dkim_selector"
    rmdir "$etc/certs/$MS_DOMAIN" 2>/dev/null || true
    restart+=("dkim $MS_DOMAIN now native")
  fi
  dkim=native
else
  # chasquid 1.11-1.13: the packaged post-data hook signs with dkimsign (python3-dkim), run as
  # chasquid, reading the key and selector for each message.
  mkdir -p "$etc/certs/$MS_DOMAIN"
  install_file "$etc/certs/$MS_DOMAIN/dkim_privkey.pem" 0640 root:chasquid <"$bundle/dkim.pem" | sed 's/^/wrote /'
  printf '%s\n' "$MS_SELECTOR" | install_file "$dir/dkim_selector" 0644 root:root | sed 's/^/wrote /'
  for old in "$dir"/dkim:*.pem; do
    [ -e "$old" ] && rm -f "$old" && restart+=("dkim $MS_DOMAIN by the hook")
  done
  [ -z "$MS_ED25519_SELECTOR" ] || log "domain $MS_DOMAIN: chasquid $version signs through its hook, with RSA only: the Ed25519 key waits for chasquid 1.14+"
  dkim=hook
fi

# A chasquid that is not running yet is started by the owner's chasquid step, with every domain.
if [ ${#restart[@]} -gt 0 ] && systemctl is-active --quiet chasquid; then
  restart_chasquid_for "${restart[@]}"
else
  # Users and aliases: asked for at once where chasquid supports it (1.12+); older ones re-read within 30 s.
  if version_ge "$version" 1.12 && systemctl is-active --quiet chasquid; then reload_chasquid; fi
  echo "restarted=no"
fi
restart_due_end
log "domain $MS_DOMAIN: users, aliases and DKIM key ($dkim) in place"
printf 'chasquid=%s\ndkim=%s\n' "$version" "$dkim"
