import assert from "node:assert/strict";
import { downsampleMinMaxShared } from "../../../src/dashboard/report/downsample.ts";

Deno.test("several lines downsampled together keep one x and each line's own peaks and troughs", () => {
  const n = 100_000;
  const x = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 300_000);
  // two slow waves, each with a one-candle spike where the other line is calm, off any
  // regular grid of every n-th point
  const a = Float64Array.from({ length: n }, (_, i) => 10_000 + 50 * Math.sin(i / 5000));
  const b = Float64Array.from({ length: n }, (_, i) => 10_000 + 80 * Math.cos(i / 7000));
  a[31_337] = 9_000; // a's deepest trough
  b[77_777] = 11_500; // b's highest peak
  const d = downsampleMinMaxShared(x, [a, b], 3000);
  assert.ok(d.x.length <= 3000, `${d.x.length} points`);
  assert.equal(d.ys.length, 2);
  assert.equal(d.ys[0].length, d.x.length);
  assert.equal(d.ys[1].length, d.x.length);
  for (let k = 1; k < d.x.length; k++) assert.ok(d.x[k] > d.x[k - 1], "x rises");
  assert.equal(d.x[0], x[0]);
  assert.equal(d.x.at(-1), x[n - 1]);
  // every kept point is a real point of both lines
  for (let k = 0; k < d.x.length; k += 97) {
    const i = (d.x[k] - x[0]) / 300_000;
    assert.equal(d.ys[0][k], a[i]);
    assert.equal(d.ys[1][k], b[i]);
  }
  assert.equal(Math.min(...d.ys[0]), 9_000, "a's trough kept");
  assert.equal(Math.max(...d.ys[1]), 11_500, "b's peak kept");
  assert.equal(Math.max(...d.ys[0]), Math.max(...a));
  assert.equal(Math.min(...d.ys[1]), Math.min(...b));
});

Deno.test("lines short enough are copied as they are", () => {
  const d = downsampleMinMaxShared([1, 2, 3], [[5, 6, 7], [8, 9, 10]], 3000);
  assert.deepEqual(d, { x: [1, 2, 3], ys: [[5, 6, 7], [8, 9, 10]] });
});
