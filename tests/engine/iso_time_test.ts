import assert from "node:assert/strict";
import { createRng } from "../../src/data/rng.ts";
import { isoByteWriter } from "../../src/engine/iso_time.ts";

Deno.test("isoByteWriter equals Date.toISOString", () => {
  const write = isoByteWriter();
  const buf = new Uint8Array(40);
  const rng = createRng(11);
  const cases = [
    0,
    1,
    999,
    86_399_999,
    86_400_000,
    1_704_067_200_000,
    253_402_300_799_999,
    -1,
    1.5,
  ];
  for (let i = 0; i < 50_000; i++) cases.push(Math.floor(rng.next() * 4_102_444_800_000));
  // runs of nearby times exercise the cached day
  for (let t = 1_700_000_000_000; t < 1_700_000_000_000 + 3 * 86_400_000; t += 299_999) {
    cases.push(t);
  }
  for (const ms of cases) {
    const want = new Date(ms).toISOString();
    const end = write(buf, 3, ms);
    assert.equal(new TextDecoder().decode(buf.subarray(3, end)), want, `bytes of ${ms}`);
  }
});
