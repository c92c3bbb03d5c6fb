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

/**
 * Creates a xoshiro128** generator. Any finite number is a valid seed; integers up to
 * 2^53 use all their bits, so nearby seeds give unrelated sequences.
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  return new Xoshiro128(seed);
}

class Xoshiro128 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    const whole = Math.trunc(seed);
    const lo = whole >>> 0;
    const hi = Math.floor(Math.abs(whole) / 4294967296) >>> 0;
    let s = lo ^ Math.imul(hi, 0x27d4eb2f) ^ (whole < 0 ? 0x5bd1e995 : 0);
    const mix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  private u32(): number {
    const b = this.b;
    const x = Math.imul(b, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = b << 9;
    let a = this.a, c = this.c, d = this.d;
    c ^= a;
    d ^= b;
    this.b = b ^ c;
    a ^= d;
    c ^= t;
    this.a = a;
    this.c = c;
    this.d = (d << 11) | (d >>> 21);
    return result;
  }

  next(): number {
    // 53 random bits: exact doubles in [0, 1).
    const hi27 = this.u32() >>> 5;
    const lo26 = this.u32() >>> 6;
    return (hi27 * 67108864 + lo26) / 9007199254740992;
  }

  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    // Marsaglia polar method: two independent normals per accepted pair.
    let u: number, v: number, s: number;
    do {
      u = this.next() * 2 - 1;
      v = this.next() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    this.hasSpare = true;
    return u * m;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
