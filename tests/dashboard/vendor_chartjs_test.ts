import assert from "node:assert/strict";

Deno.test("vendored chart.umd.min.js is byte-identical to the pinned npm chart.js", async () => {
  const esm = import.meta.resolve("chart.js");
  assert.ok(esm.startsWith("file://"), `chart.js resolved to ${esm}`);
  const npmCopy = new URL("./chart.umd.min.js", esm);
  const vendored = new URL("../../src/dashboard/static/vendor/chart.umd.min.js", import.meta.url);
  const [a, b] = await Promise.all([Deno.readFile(npmCopy), Deno.readFile(vendored)]);
  assert.equal(a.length, b.length);
  assert.ok(a.every((x, i) => x === b[i]), "vendored chart.js differs from the npm package");
});
