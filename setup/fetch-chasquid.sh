#!/usr/bin/env bash
# Unpacks this machine's distribution chasquid package (no install scripts, no service) into a
# cache folder, so tests can run the real chasquid and chasquid-util. Prints the folder.
set -euo pipefail
cache=/var/cache/mailstack/chasquid
version=$(apt-cache policy chasquid | awk '/Candidate:/ {print $2}')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
  apt-get update -qq
  version=$(apt-cache policy chasquid | awk '/Candidate:/ {print $2}')
fi
dir="$cache/$version"
if [ ! -x "$dir/usr/bin/chasquid-util" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download -qq "chasquid=$version" 2>/dev/null)
  mkdir -p "$dir"
  dpkg-deb -x "$tmp"/chasquid_*.deb "$dir"
fi
echo "$dir"
