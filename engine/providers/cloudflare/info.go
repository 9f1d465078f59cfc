// Package cloudflare describes the bridged cloudflare provider: the upstream Terraform provider under the
// resource tokens and the plugin version that @pulumi/cloudflare asks for (engine/versions.json).
package cloudflare

import (
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"

	"github.com/cloudflare/terraform-provider-cloudflare/shim"
)

// Version is the plugin version @pulumi/cloudflare requests, set by engine/build.sh from engine/versions.json.
var Version = "0.0.0-dev"

// Info is the provider's mapping; metadata is the bridge-metadata.json that tfgen wrote (nil at tfgen time).
func Info(metadata []byte) tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "cloudflare",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		// Resources whose "id" the bridge cannot map without hand-written ID functions (an input
		// "id", or a number): pulumi-cloudflare maps them by hand; mailstack uses none of them.
		IgnoreMappings: []string{
			"cloudflare_ai_gateway", "cloudflare_ai_search_instance", "cloudflare_cloudforce_one_request_asset",
			"cloudflare_cloudforce_one_request_message", "cloudflare_image", "cloudflare_image_variant",
			"cloudflare_logpush_job", "cloudflare_zero_trust_access_ai_controls_mcp_portal",
			"cloudflare_zero_trust_access_ai_controls_mcp_server",
		},
	}
	// cloudflare_dns_record becomes cloudflare:index/dnsRecord:DnsRecord, as in @pulumi/cloudflare.
	info.MustComputeTokens(tokens.SingleModule("cloudflare_", "index", tokens.MakeStandard("cloudflare")))
	return info
}
