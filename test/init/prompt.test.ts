// The terminal prompter over in-memory streams: defaults, answers typed ahead, a secret never
// echoed, yes/no, and input that ends before an answer.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { PromptClosed, terminalPrompter } from "../../init/prompt";

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = "";
  output.setEncoding("utf8").on("data", (d: string) => { shown += d; });
  return { input, output, shown: () => shown };
}

test("an answer, the default for an empty one, a hidden secret, yes and no", async () => {
  const t = terminal();
  const p = terminalPrompter(t.input, t.output);
  t.input.write("example.com\n\n"); // typed ahead of their questions
  assert.equal(await p.ask("Domain"), "example.com");
  assert.equal(await p.ask("Host", "mail.example.com"), "mail.example.com");
  const secret = p.secret("Token");
  t.input.write("s3cret-token-value\n");
  assert.equal(await secret, "s3cret-token-value");
  t.input.write("y\nnope\n");
  assert.equal(await p.confirm("OK?"), true);
  assert.equal(await p.confirm("Sure?"), false);
  p.close();
  assert.match(t.shown(), /Domain: /);
  assert.match(t.shown(), /Host \[mail\.example\.com\]: /);
  assert.match(t.shown(), /Token \(not shown\): /);
  assert.match(t.shown(), /example\.com/, "a plain answer is echoed");
  assert.ok(!t.shown().includes("s3cret"), "the secret is never echoed");
});

test("input that ends before the answer rejects instead of hanging", async () => {
  const t = terminal();
  const p = terminalPrompter(t.input, t.output);
  const pending = p.ask("Domain");
  t.input.end();
  await assert.rejects(pending, PromptClosed);
  await assert.rejects(p.ask("Again"), PromptClosed);
});
