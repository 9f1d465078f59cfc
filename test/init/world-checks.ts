// init in the local world, registered by the world suite (which runs as root with the world up):
// the real ssh-keyscan of the world's vps, the world's Cloudflare API, the real Pulumi CLI in a
// throwaway project. A good run, a wrong token, a domain in none of the world's zones.
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse } from "yaml";
import { sshFingerprint } from "../../init/host-key";
import { runInit } from "../../init/run";
import { captured, removeDir, sshKeyPair, tempDir } from "./fixtures";
import { assertInitStack, PulumiProject, pulumiProject } from "./real-pulumi";

export interface InitWorldContext {
  /** world.cloudflare.baseUrl */
  cloudflareBaseUrl: string;
  /** world.cloudflare.token */
  cloudflareToken: string;
  /** world.hosts.vps.ipv4 */
  vpsIpv4: string;
  /** world.vps.sshPort */
  sshPort: number;
  /** The pulumi binary, or the engine's bin folder holding it (engineBin()). */
  pulumiBin: string;
  /** world.vps.sshHostKey: when given, the key init pins must be it. */
  vpsHostKey?: string;
}

/** Registers init's world tests (call at the top level of a suite, or inside a describe). */
export function initWorldChecks(ctx: InitWorldContext): void {
  const keys = tempDir("world-keys");
  let p: PulumiProject;
  before(() => {
    p = pulumiProject(statSync(ctx.pulumiBin).isDirectory() ? join(ctx.pulumiBin, "pulumi") : ctx.pulumiBin);
  });
  after(() => {
    p?.cleanup();
    removeDir(keys);
  });

  const init = async (stack: string, domain: string, token: string) => {
    const io = captured(p.dir, { env: { ...p.env, CLOUDFLARE_API_TOKEN: token } }); // no fetchHostKey: the real ssh-keyscan
    const code = await runInit([
      "--stack", stack, "--domain", domain, "--ipv4", ctx.vpsIpv4, "--ssh-port", String(ctx.sshPort), "--forward-to", "me@gmail.test",
      "--ssh-key", sshKeyPair(keys, stack).privateKeyFile, "--cloudflare-base-url", ctx.cloudflareBaseUrl, "--pulumi", p.bin,
      "--non-interactive", "--yes",
    ], io);
    return { code, io, stackFile: join(p.dir, `Pulumi.${stack}.yaml`) };
  };

  test("init in the world: the vps's host key from ssh-keyscan, the zone from the world's API, the secrets set", async () => {
    const r = await init("world-init", "example.test", ctx.cloudflareToken);
    assert.equal(r.code, 0, r.io.errors());
    const config = parse(readFileSync(r.stackFile, "utf8")) as { config: Record<string, { sshHostKey?: string }[]> };
    const pinned = config.config["mailstack:hosts"]![0]!.sshHostKey!;
    if (ctx.vpsHostKey) assert.equal(pinned, ctx.vpsHostKey);
    assert.ok(r.io.output().includes(sshFingerprint(pinned)));
    assertInitStack(p, "world-init", { "mailstack:sshPrivateKey": readFileSync(join(keys, "world-init"), "utf8"), "cloudflare:apiToken": ctx.cloudflareToken });
  });

  test("init in the world with a wrong token: refused, nothing written", async () => {
    const r = await init("world-wrong-token", "example.test", `${ctx.cloudflareToken}-wrong`);
    assert.equal(r.code, 1);
    assert.match(r.io.errors(), /^init: the Cloudflare token was refused \(HTTP 403: .*\): make a token with Zone\.DNS edit for example\.test\n$/);
    assert.equal(existsSync(r.stackFile), false);
  });

  test("init in the world for a domain in none of its zones: named, nothing written", async () => {
    const r = await init("world-no-zone", "unknown-zone.test", ctx.cloudflareToken);
    assert.equal(r.code, 1);
    assert.equal(r.io.errors(), "init: no zone unknown-zone.test (or parent) visible to this token: add the domain to Cloudflare, or give the token access to its zone\n");
    assert.equal(existsSync(r.stackFile), false);
  });
}
