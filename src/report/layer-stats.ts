/** Summary statistics of a learned layer mix. */
import { InvalidArgumentError } from '../errors.js';

/**
 * Tenney et al.'s "center of gravity" of a layer mix: the expected layer index `Σ_l l·w_l / Σ_l w_l`, where `l` is the
 * position of each weight (0 = the embeddings in a bertvision store) or, when `layerIndices` is given, the layer index
 * each weight stands for (for a mix over a subset of layers).
 * @throws InvalidArgumentError for an empty mix, negative or non-finite weights, or weights summing to 0.
 */
export function centerOfGravity(weights: ArrayLike<number>, layerIndices?: ArrayLike<number>): number {
  if (weights.length === 0) throw new InvalidArgumentError('center of gravity of an empty mix');
  if (layerIndices && layerIndices.length !== weights.length) {
    throw new InvalidArgumentError(`${weights.length} weights but ${layerIndices.length} layer indices`);
  }
  let total = 0;
  let moment = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!Number.isFinite(w) || w < 0)
      throw new InvalidArgumentError(`mix weight ${i} is ${w}: expected finite and >= 0`);
    total += w;
    moment += w * (layerIndices ? layerIndices[i]! : i);
  }
  if (total === 0) throw new InvalidArgumentError('mix weights sum to 0');
  return moment / total;
}
