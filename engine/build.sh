#!/usr/bin/env bash
# Builds the real Pulumi engine from Go modules (release binaries cannot be downloaded here):
# the CLI, the Node.js language host and the bridged provider plugins random, tls and cloudflare.
# Output: $MAILSTACK_ENGINE_CACHE/<key>/bin (the CLI and language host, for PATH) and
# <key>/plugins (registered with `pulumi plugin install`: one on PATH would win over the registered
# version), where <key> hashes engine/'s Go files, so a change rebuilds and an unchanged tree is
# reused (cached outside the repository). Prints the bin folder.
# Cold: about an hour on 2 cores; cached: nothing to do. `--check` only prints the bin folder of a
# finished build (exit 3 when there is none).
set -euo pipefail
shopt -s inherit_errexit

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${MAILSTACK_ENGINE_CACHE:-/var/cache/mailstack/engine}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"

key="$(cd "$here" && find cli language-host providers -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
out="$cache_root/$key"
bin="$out/bin"
if [[ -f "$bin/.complete" ]]; then
  echo "$bin"
  exit 0
fi
[[ "${1:-}" != --check ]] || exit 3
plugins="$out/plugins"
mkdir -p "$bin" "$plugins"
log() { printf '== engine: %s (%s)\n' "$1" "$(date +%T)" >&2; }
version() { sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\\{0,1\\}$/\\1/p" "$here/versions.json"; }

log "Pulumi CLI $(version cli)"
(cd "$here/cli" && CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace -o "$bin/pulumi" \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$(version cli)" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)

log "Node.js language host $(version languageHost)"
(cd "$here/language-host" && CGO_ENABLED=0 go build -trimpath -o "$bin/pulumi-language-nodejs" \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$(version languageHost)" \
  github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs)

# The providers embed the schema that tfgen writes, so they are built in a copy of the module.
src="$out/src/providers"
rm -rf "$src"
mkdir -p "$src"
cp -a "$here/providers/." "$src/"
# Each provider reports the version its npm SDK asks for (engine/versions.json).
stamps=()
for provider in random tls cloudflare; do
  stamps+=("-X mailstack.local/engine/providers/$provider.Version=$(version "$provider")")
done
log "tfgen (the bridge's schema generator)"
(cd "$src" && go build -ldflags "${stamps[*]}" -o "$out/tfgen" ./cmd/tfgen)
for provider in random tls cloudflare; do
  log "provider $provider $(version "$provider")"
  schema="$out/schema/$provider"
  mkdir -p "$schema"
  # tfgen writes bridge-metadata.json into its working folder and schema.json into --out.
  (cd "$schema" && PULUMI_SKIP_MISSING_MAPPING_ERROR=true PULUMI_SKIP_EXTRA_MAPPING_ERROR=true \
    "$out/tfgen" "$provider" schema --out "$schema" >"$schema/tfgen.log" 2>&1) || { tail -40 "$schema/tfgen.log" >&2; exit 1; }
  cp "$schema/schema.json" "$src/cmd/pulumi-resource-$provider/schema.json"
  if [[ -f "$schema/bridge-metadata.json" ]]; then
    cp "$schema/bridge-metadata.json" "$src/cmd/pulumi-resource-$provider/bridge-metadata.json"
  else
    echo '{}' >"$src/cmd/pulumi-resource-$provider/bridge-metadata.json"
  fi
  (cd "$src" && go build -o "$plugins/pulumi-resource-$provider" \
    -ldflags "${stamps[*]}" \
    "./cmd/pulumi-resource-$provider")
done

touch "$bin/.complete"
log "done"
echo "$bin"
