/**
 * Deterministic hashing and pseudo-random numbers for the demo provider: the same prompt must
 * always draw the same picture, in any process, so nothing here reads a clock or `Math.random`.
 */

/** A 32-bit FNV-1a hash of the UTF-8 bytes of `text`. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Folds several 32-bit values into one well-mixed 32-bit seed (order matters). */
export function mixSeeds(...values: readonly number[]): number {
  let hash = 0x9e3779b9;
  for (const value of values) {
    hash = Math.imul(hash ^ (value >>> 0), 0x85ebca6b);
    hash ^= hash >>> 13;
    hash = Math.imul(hash, 0xc2b2ae35);
    hash ^= hash >>> 16;
  }
  return hash >>> 0;
}

/** A seeded generator of floats in [0, 1) (mulberry32): small, fast and good enough for art. */
export type Random = () => number;

/** Creates a {@link Random} that yields the same sequence for the same seed. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
