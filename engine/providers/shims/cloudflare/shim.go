// Package shim hands the bridge the upstream Cloudflare provider, which keeps it in an internal package.
package shim

import (
	upstream "github.com/cloudflare/terraform-provider-cloudflare/internal"
	"github.com/hashicorp/terraform-plugin-framework/provider"
)

func NewProvider() provider.Provider { return upstream.NewProvider("pulumi")() }
