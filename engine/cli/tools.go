//go:build tools

// Package cli pins the Pulumi CLI's main package; engine/build.sh builds it from this module.
package cli

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
