// Package random describes the bridged random provider: the upstream Terraform provider under the
// resource tokens and the plugin version that @pulumi/random asks for (engine/versions.json).
package random

import (
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"

	"github.com/terraform-providers/terraform-provider-random/shim"
)

// Version is the plugin version @pulumi/random requests, set by engine/build.sh from engine/versions.json.
var Version = "0.0.0-dev"

// Info is the provider's mapping; metadata is the bridge-metadata.json that tfgen wrote (nil at tfgen time).
func Info(metadata []byte) tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "random",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	// Every random resource keeps its "Random" prefix in Pulumi (RandomPassword, RandomId), so no prefix is cut.
	info.MustComputeTokens(tokens.SingleModule("", "index", tokens.MakeStandard("random")))
	return info
}
