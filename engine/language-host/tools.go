//go:build tools

// Package languagehost pins the Node.js language host. From sdk/v3 v3.90 on it is a module of its
// own that the Go module proxy here refuses; v3.68.0 is the newest sdk/v3 that still holds it.
package languagehost

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
