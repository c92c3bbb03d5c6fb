import assert from "node:assert/strict";
import { bracketHit, HIT_NONE, hitPrice, isStopHit, slipped } from "../../src/core/fill_rules.ts";
import type { FillReason } from "../../src/core/order.ts";
import { SimVenue } from "../../src/core/sim_venue.ts";

/** Records the exits a venue reports. */
class Exits {
  readonly seen: { price: number; reason: FillReason }[] = [];
  entryFilled(): void {}
  exitFilled(
    _dir: number,
    _qty: number,
    price: number,
    _fee: number,
    _ts: number,
    reason: FillReason,
  ): void {
    this.seen.push({ price, reason });
  }
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("a bar exits exactly when the fill rules say, at their price (the venue's shortcut for untouched bars changes nothing)", () => {
  const r = rng(7);
  // prices on a coarse grid so bars often sit exactly on a level; levels also missing,
  // infinite or on the wrong side, and bars whose open lies outside their own range
  const grid = () => 95 + Math.floor(r() * 11);
  const level = () => {
    const x = r();
    return x < 0.05
      ? Number.NaN
      : x < 0.1
      ? Infinity
      : x < 0.15
      ? -Infinity
      : 90 + Math.floor(r() * 21);
  };
  let exits = 0;
  let untouched = 0;
  for (let k = 0; k < 20_000; k++) {
    const dir = r() < 0.5 ? 1 : -1;
    const optimistic = r() < 0.5;
    const sink = new Exits();
    const venue = new SimVenue(4, 2, optimistic ? "optimistic" : "conservative", sink);
    venue.dir = dir;
    venue.qty = 1;
    venue.entry = 100;
    const stop = level();
    const tp = level();
    venue.setBracket(stop, tp);
    const a = grid(), b = grid();
    const low = Math.min(a, b), high = Math.max(a, b);
    const open = r() < 0.1 ? grid() : low + Math.floor(r() * (high - low + 1));
    assert.equal(venue.bar(1, open, high, low), true, "a position was open during the bar");
    const hit = bracketHit(dir > 0, open, high, low, stop, tp, optimistic);
    const what = `dir ${dir} stop ${stop} tp ${tp} bar o${open} h${high} l${low}`;
    if (hit === HIT_NONE) {
      untouched++;
      assert.deepEqual(sink.seen, [], what);
      assert.equal(venue.dir, dir, what);
      continue;
    }
    exits++;
    const price = slipped(hitPrice(hit, open, stop, tp), dir < 0, 2);
    assert.deepEqual(sink.seen, [{ price, reason: isStopHit(hit) ? "stop" : "tp" }], what);
    assert.equal(venue.dir, 0, what);
  }
  assert.ok(
    exits > 1000 && untouched > 1000,
    `both kinds of bar: ${exits} exits, ${untouched} not`,
  );
});

Deno.test("a moved stop counts from the next bar, also for the venue's shortcut", () => {
  const sink = new Exits();
  const venue = new SimVenue(0, 0, "conservative", sink);
  venue.dir = 1;
  venue.qty = 1;
  venue.entry = 100;
  venue.setBracket(90, 120);
  venue.bar(1, 100, 101, 96); // between 90 and 120: nothing
  assert.deepEqual(sink.seen, []);
  venue.moveStop(97);
  venue.bar(2, 100, 101, 96); // the same bar now reaches the moved stop
  assert.deepEqual(sink.seen, [{ price: 97, reason: "stop" }]);
});
