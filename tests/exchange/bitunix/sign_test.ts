import assert from "node:assert/strict";
import {
  newNonce,
  sha256Hex,
  signRest,
  signWsLogin,
  sortedQueryString,
} from "../../../src/exchange/bitunix/sign.ts";

Deno.test("Bitunix signing", async (t) => {
  await t.step("official vector V1", () => {
    const base = {
      apiKey: "11111111111111111",
      apiSecret: "22222222222222222",
      nonce: "33333333333333333",
      timestamp: "1747104711262",
      queryString: "marginCoinUSDT",
      body: "",
    };
    assert.equal(
      sha256Hex(base.nonce + base.timestamp + base.apiKey + base.queryString),
      "ea0f6d6bc37d102c41ccbd820f4cfbb10663f3675a75aea80a353e0e317fcdcc",
    );
    assert.equal(
      signRest(base),
      "40e87256554e263e39201a3979469b7fbb640d1c7c41759abf5c6a18f937f922",
    );
  });

  await t.step("hand-derived vector with sorted query and a body", () => {
    const sign = signRest({
      apiKey: "11111111111111111",
      apiSecret: "22222222222222222",
      nonce: "33333333333333333",
      timestamp: "1747104711262",
      queryString: sortedQueryString({ symbol: "BTCUSDT", marginCoin: "USDT" }),
      body: JSON.stringify({ symbol: "BTCUSDT", qty: "0.01" }),
    });
    assert.equal(sign, "34eb385a8e19687add80472fb88692bc3abd53e878473beab00922d751623567");
  });

  await t.step("query sorting: ASCII key order, key+value, empties dropped", () => {
    assert.equal(sortedQueryString({ uid: 200, id: 1 }), "id1uid200");
    assert.equal(sortedQueryString({ b: "2", a: "1", Z: "0" }), "Z0a1b2");
    assert.equal(sortedQueryString({ a: undefined, b: "", c: null, d: 0 }), "d0");
    assert.equal(sortedQueryString({}), "");
  });

  await t.step("WS login sign = sha256(sha256(nonce+ts+key)+secret)", () => {
    assert.equal(
      signWsLogin("key1", "sec1", "abc", 1700000000),
      "94172b56594026e4d11f75321c8f2abf4e6d4c5e78337458b3e017296573dc02",
    );
  });

  await t.step("nonce is 32 lowercase hex chars and varies", () => {
    const a = newNonce();
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.notEqual(a, newNonce());
  });
});
