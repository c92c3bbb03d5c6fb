/**
 * Seeded pseudo-random numbers for reproducible simulations (xoshiro128**, seeded
 * through splitmix32). Not for cryptography.
 */

/** A deterministic random source: the same seed always yields the same sequence. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (mean 0, standard deviation 1). */
  normal(): number;
  /** Integer uniform in [0, n), for n >= 1. */
  int(n: number): number;
}

function splitmix32(state: number): () => number {
  let s = state | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Creates a xoshiro128** generator. Any finite number is a valid seed; integers up to
 * 2^53 use all their bits, so nearby seeds give unrelated sequences.
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const whole = Math.trunc(seed);
  const lo = whole >>> 0;
  const hi = Math.floor(Math.abs(whole) / 4294967296) >>> 0;
  const mix = splitmix32(lo ^ Math.imul(hi, 0x27d4eb2f) ^ (whole < 0 ? 0x5bd1e995 : 0));
  let a = mix(), b = mix(), c = mix(), d = mix();
  if ((a | b | c | d) === 0) a = 1;
  let spare = 0;
  let hasSpare = false;

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };

  const next = (): number => {
    // 53 random bits: exact doubles in [0, 1).
    const hi27 = nextU32() >>> 5;
    const lo26 = nextU32() >>> 6;
    return (hi27 * 67108864 + lo26) / 9007199254740992;
  };

  const normal = (): number => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    // Marsaglia polar method: two independent normals per accepted pair.
    let u: number, v: number, s: number;
    do {
      u = next() * 2 - 1;
      v = next() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    spare = v * m;
    hasSpare = true;
    return u * m;
  };

  const int = (n: number): number => Math.floor(next() * n);

  return { next, normal, int };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
