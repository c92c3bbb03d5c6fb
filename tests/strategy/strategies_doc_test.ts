import assert from "node:assert/strict";

const DOC = new URL("../../STRATEGIES.md", import.meta.url);
const EXAMPLE = new URL("../../strategies/rsi_dip.ts", import.meta.url);

Deno.test("STRATEGIES.md's worked example is strategies/rsi_dip.ts, the file the CLI tests run", async () => {
  const doc = await Deno.readTextFile(DOC);
  const at = doc.indexOf("<!-- worked-example: strategies/rsi_dip.ts");
  assert.ok(at !== -1, "the worked example's marker");
  const block = /```ts\n([\s\S]*?)```/.exec(doc.slice(at));
  assert.ok(block, "a ts block after the marker");
  assert.equal(block[1], await Deno.readTextFile(EXAMPLE));
});

Deno.test("STRATEGIES.md names every flag of the worked example's parameters", async () => {
  const doc = await Deno.readTextFile(DOC);
  for (const flag of ["--rsi-period", "--oversold", "--trend-period", "--atr-mult"]) {
    assert.ok(doc.includes(flag), flag);
  }
});
