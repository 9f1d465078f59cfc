// The cloudflare provider plugin. schema.json and bridge-metadata.json are written next to this file by
// engine/build.sh (from tfgen) in the engine cache's copy of this module, never in the repository.
package main

import (
	"context"
	_ "embed"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"mailstack.local/engine/providers/cloudflare"
)

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	pf.Main(context.Background(), "cloudflare", cloudflare.Info(metadata), pf.ProviderMetadata{PackageSchema: schema})
}
