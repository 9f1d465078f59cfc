#!/usr/bin/env bash
# certbot deploy hook (installed by mailstack): copies the mail host's renewed certificate where
# chasquid reads it and restarts chasquid, which loads certificates only at start. Real files, not
# symlinks: chasquid 1.11 skips symlinked entries under certs/. certbot runs every deploy hook for
# every lineage it renews: only the one named in /etc/mailstack/certificate-name is ours.
set -euo pipefail
lineage=${RENEWED_LINEAGE:?certbot sets RENEWED_LINEAGE}
name=$(basename "$lineage")
ours=$(cat /etc/mailstack/certificate-name 2>/dev/null || true)
if [ "$name" != "$ours" ]; then
  echo "mailstack: $name is not the mail host's certificate ($ours); left alone"
  exit 0
fi
dest=/etc/chasquid/certs/$name
mkdir -p "$dest"
changed=no
for f in fullchain.pem privkey.pem; do
  if ! cmp -s "$lineage/$f" "$dest/$f"; then
    tmp=$(mktemp "$dest/.$f.XXXXXX")
    cp -L "$lineage/$f" "$tmp"
    chown root:chasquid "$tmp"
    chmod 0640 "$tmp"
    mv -f "$tmp" "$dest/$f"
    changed=yes
  fi
done
if [ "$changed" = yes ] && systemctl is-active --quiet chasquid; then
  systemctl restart chasquid
fi
echo "mailstack: certificate for $name in $dest (changed: $changed)"
