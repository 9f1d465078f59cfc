// tfgen writes a bridged provider's Pulumi schema: `tfgen <provider> schema --out <dir>`.
package main

import (
	"fmt"
	"os"

	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"mailstack.local/engine/providers/cloudflare"
	"mailstack.local/engine/providers/random"
	"mailstack.local/engine/providers/tls"
)

func main() {
	infos := map[string]func([]byte) tfbridge.ProviderInfo{"random": random.Info, "tls": tls.Info, "cloudflare": cloudflare.Info}
	if len(os.Args) < 2 || infos[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: tfgen random|tls|cloudflare schema --out DIR")
		os.Exit(2)
	}
	name := os.Args[1]
	os.Args = append(os.Args[:1], os.Args[2:]...)
	pftfgen.Main(name, infos[name](nil))
}
