import assert from "node:assert/strict";
import { baseVolume, quoteVolume } from "../../../src/exchange/bitunix/volume.ts";

Deno.test("base volume from the venue's two volume fields", async (t) => {
  await t.step("either naming gives the base-coin amount", () => {
    // live REST: quoteVol holds BTC, baseVol the USDT notional
    assert.equal(baseVolume({ quote: 2.5, base: 150_000 }, 60_000), 2.5);
    // as the docs name them
    assert.equal(baseVolume({ base: 2.5, quote: 150_000 }, 60_000), 2.5);
    assert.equal(quoteVolume({ quote: 2.5, base: 150_000 }, 60_000), 150_000);
    assert.equal(quoteVolume({ base: 2.5, quote: 150_000 }, 60_000), 150_000);
  });

  await t.step("the relationship is read from the bar's price, not from the sizes", () => {
    // a coin below 1 USDT: the amount is the larger number
    assert.equal(baseVolume({ base: 1_000, quote: 500 }, 0.5), 1_000);
    assert.equal(baseVolume({ base: 500, quote: 1_000 }, 0.5), 1_000);
    // a notional rounded by the venue still matches (close is the bar's last price)
    assert.equal(baseVolume({ quote: 0.123, base: 7_391.07 }, 60_090.3), 0.123);
  });

  await t.step("zero and missing fields", () => {
    assert.equal(baseVolume({}, 60_000), 0);
    assert.equal(baseVolume({ base: 0, quote: 0 }, 60_000), 0);
    // a lone field is read as the live REST API names it
    assert.equal(baseVolume({ quote: 2 }, 60_000), 2);
    assert.equal(baseVolume({ base: 120_000 }, 60_000), 2);
    assert.equal(baseVolume({ base: 120_000, quote: 0 }, 60_000), 2);
    assert.equal(baseVolume({ base: 0, quote: 2 }, 60_000), 2);
    assert.equal(baseVolume({ base: 120_000 }, 0), 0, "no price, no amount");
    assert.equal(quoteVolume({ quote: 2 }, 60_000), 120_000);
    assert.equal(quoteVolume({}, 60_000), 0);
  });
});
