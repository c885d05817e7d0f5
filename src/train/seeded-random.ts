/**
 * Reproducible weight initialisation. tfjs' random initializers (glorot, normal, truncated normal…) seed their
 * generator from `Math.random()` when no seed is given; running a model builder with `Math.random` temporarily
 * replaced by a seeded generator therefore makes every initial weight a function of one seed, without threading
 * seeds through every layer. Used by `bertvision train --seed`, so that two runs with the same seed start from the
 * same weights (and a resumed run ends where an uninterrupted one does).
 */
import { seededRandom } from '../io/shuffle.js';

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
