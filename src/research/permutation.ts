/**
 * A seeded permutation of `[0, n)` computed one index at a time: a 4-round Feistel
 * network over the smallest even number of bits that holds `n`, with cycle walking
 * (an output `>= n` is encrypted again until it falls inside). Distinct indexes give
 * distinct outputs, and nothing of size `n` is held in memory.
 *
 * @module
 */
import { createRng } from "../data/rng.ts";

const ROUNDS = 4;

/** The 32-bit mix of `x` and `key` (murmur3's finaliser). */
function mix(x: number, key: number): number {
  let h = (x ^ key) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A bijection of `[0, n)` chosen by `seed` (`n` up to 2^52). The same `n` and `seed`
 * always give the same permutation.
 */
export function indexPermutation(n: number, seed: number): (i: number) => number {
  if (n <= 1) return (i) => i;
  let bits = Math.max(2, Math.ceil(Math.log2(n)));
  if (bits % 2 === 1) bits++;
  const half = bits / 2;
  const size = 2 ** half;
  const rng = createRng(seed);
  const keys = Array.from({ length: ROUNDS }, () => Math.floor(rng.next() * 2 ** 32));
  const encrypt = (x: number): number => {
    let l = Math.floor(x / size);
    let r = x % size;
    for (let k = 0; k < ROUNDS; k++) {
      // a half is at most 26 bits wide: it fits the 32-bit mix
      const f = mix(r, keys[k]) % size;
      const next = (l + f) % size;
      l = r;
      r = next;
    }
    return l * size + r;
  };
  return (i) => {
    let y = encrypt(i);
    while (y >= n) y = encrypt(y);
    return y;
  };
}
