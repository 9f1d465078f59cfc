// Package tls describes the bridged tls provider: the upstream Terraform provider under the
// resource tokens and the plugin version that @pulumi/tls asks for (engine/versions.json).
package tls

import (
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"

	"github.com/hashicorp/terraform-provider-tls/shim"
)

// Version is the plugin version @pulumi/tls requests, set by engine/build.sh from engine/versions.json.
var Version = "0.0.0-dev"

// Info is the provider's mapping; metadata is the bridge-metadata.json that tfgen wrote (nil at tfgen time).
func Info(metadata []byte) tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "tls",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	// tls_private_key becomes tls:index/privateKey:PrivateKey, as in @pulumi/tls.
	info.MustComputeTokens(tokens.SingleModule("tls_", "index", tokens.MakeStandard("tls")))
	return info
}
