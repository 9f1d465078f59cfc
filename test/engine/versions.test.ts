import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { VERSIONS } from "../../engine/engine";

const ROOT = join(__dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };

describe("the engine's versions match the SDKs the program pins", () => {
  test("each plugin is registered under the exact version its npm SDK asks for", () => {
    for (const name of ["random", "tls", "cloudflare", "command"]) {
      const sdk = JSON.parse(readFileSync(join(ROOT, "node_modules", "@pulumi", name, "package.json"), "utf8")) as { pulumi: { version: string } };
      assert.equal(VERSIONS[name], sdk.pulumi.version, `engine/versions.json ${name}`);
      assert.equal(pkg.dependencies[`@pulumi/${name}`], VERSIONS[name], `package.json pins @pulumi/${name}`);
    }
  });

  test("the CLI is the version of @pulumi/pulumi, built from the same pkg/v3 release", () => {
    assert.equal(VERSIONS.cli, pkg.dependencies["@pulumi/pulumi"]);
    assert.match(readFileSync(join(ROOT, "engine", "cli", "go.mod"), "utf8"), new RegExp(`github.com/pulumi/pulumi/pkg/v3 v${VERSIONS.cli.replace(/\./g, "\\.")}\\b`));
    assert.match(readFileSync(join(ROOT, "engine", "language-host", "go.mod"), "utf8"), new RegExp(`github.com/pulumi/pulumi/sdk/v3 v${VERSIONS.languageHost.replace(/\./g, "\\.")}\\b`));
  });

  test("the provider versions reach the Go plugins only through build.sh's stamps", () => {
    const build = readFileSync(join(ROOT, "engine", "build.sh"), "utf8");
    assert.match(build, /-X mailstack\.local\/engine\/providers\/\$provider\.Version=\$\(version "\$provider"\)/);
    for (const name of ["random", "tls", "cloudflare"]) {
      const info = readFileSync(join(ROOT, "engine", "providers", name, "info.go"), "utf8");
      assert.match(info, /^var Version = "0\.0\.0-dev"$/m, `${name}/info.go: a var that build.sh stamps, no version of its own`);
    }
  });
});
