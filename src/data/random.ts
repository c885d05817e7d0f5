/**
 * The one seeded PRNG of bertvision and what is built on it: deterministic example orders (full permutations and
 * shuffle-buffer orders) and reproducible weight initialisation ({@link withSeededRandom}). Browser-safe.
 */

/** A seeded 32-bit PRNG (mulberry32) returning floats in [0, 1). Same seed → same sequence on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seed for epoch `epoch` of a run seeded with `seed` (different epochs get different orders). */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;
}

/** A full Fisher–Yates permutation of `items` (a new array). */
export function permute(items: readonly number[], random: () => number): number[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The order a shuffle buffer of `size` produces from `items` read in sequence (like `tf.data.shuffle`): keeps
 * reads near-sequential at the cost of a weaker shuffle. Returns a new array.
 */
export function bufferShuffle(items: readonly number[], size: number, random: () => number): number[] {
  const buffer: number[] = [];
  const out: number[] = [];
  for (const item of items) {
    if (buffer.length < size) {
      buffer.push(item);
      continue;
    }
    const j = Math.floor(random() * size);
    out.push(buffer[j]!);
    buffer[j] = item;
  }
  return out.concat(permute(buffer, random));
}

/*
 * Reproducible weight initialisation. tfjs' random initializers (glorot, normal, truncated normal…) seed their
 * generator from `Math.random()` when no seed is given; running a model builder with `Math.random` temporarily
 * replaced by a seeded generator therefore makes every initial weight a function of one seed, without threading
 * seeds through every layer. Used by `bertvision train --seed`, so that two runs with the same seed start from the
 * same weights (and a resumed run ends where an uninterrupted one does).
 */

/**
 * Run the synchronous `build` with `Math.random` replaced by a generator seeded with `seed`, then restore it
 * (also when `build` throws). Only for synchronous code: nothing else may run in between.
 * @returns what `build` returns.
 */
export function withSeededRandom<T>(seed: number, build: () => T): T {
  const original = Math.random;
  Math.random = seededRandom(seed);
  try {
    return build();
  } finally {
    Math.random = original;
  }
}
