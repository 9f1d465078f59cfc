module github.com/cloudflare/terraform-provider-cloudflare/shim

go 1.25.8
