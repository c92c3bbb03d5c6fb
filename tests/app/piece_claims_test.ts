import assert from "node:assert/strict";
import { claimPieces, MAIN, pieceClaims, WORKER } from "../../src/app/backtest/piece_claims.ts";

Deno.test("two claimers from either end take every piece once, and stop where they meet", () => {
  const claims = pieceClaims(7);
  const front = claimPieces(claims, MAIN);
  const back = claimPieces(claims, WORKER, true);
  const mine: number[] = [];
  const theirs: number[] = [];
  // taken in turns, as two threads might
  for (let turn = 0; turn < 10; turn++) {
    const r = turn % 2 === 0 ? front.next() : back.next();
    if (!r.done) (turn % 2 === 0 ? mine : theirs).push(r.value);
  }
  assert.deepEqual(mine, [0, 1, 2, 3]);
  assert.deepEqual(theirs, [6, 5, 4]);
  assert.deepEqual([...claims], [MAIN, MAIN, MAIN, MAIN, WORKER, WORKER, WORKER]);
  assert.equal(front.next().done, true, "nothing left");
});
