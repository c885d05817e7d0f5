/**
 * Validation shared by the layers that reduce or select along one axis: resolving a possibly negative axis, checking
 * that the size on it is known, and validating a subset of layer indices. Errors are typed and name the layer.
 */
import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, ShapeError } from '../errors.js';

/** The single input shape of a one-input layer (tfjs passes `Shape | Shape[]`). */
export function singleInputShape(inputShape: tf.Shape | tf.Shape[], layer: string): tf.Shape {
  const first = inputShape[0];
  if (Array.isArray(first)) {
    if (inputShape.length !== 1) throw new ShapeError(`${layer} takes one input, got ${inputShape.length}`);
    return first;
  }
  return inputShape as tf.Shape;
}

/** The single input tensor of a one-input layer (tfjs passes `Tensor | Tensor[]`). */
export function singleInput(inputs: tf.Tensor | tf.Tensor[], layer: string): tf.Tensor {
  if (!Array.isArray(inputs)) return inputs;
  const [first] = inputs;
  if (inputs.length !== 1 || first === undefined)
    throw new ShapeError(`${layer} takes one input, got ${inputs.length}`);
  return first;
}

/**
 * Check that a tensor is float32 (the layers' weights are; tfjs would otherwise fail deep inside a kernel).
 * @throws InvalidArgumentError for any other dtype.
 */
export function requireFloat32(x: tf.Tensor, layer: string): void {
  if (x.dtype !== 'float32') {
    throw new InvalidArgumentError(`${layer}: expected a float32 input, got ${x.dtype} (cast activations first)`);
  }
}

/**
 * Resolve `axis` (negative counts from the end) for an input of rank `rank`. Axis 0 is the batch axis and is refused.
 * @throws ShapeError when the resolved axis is not in [1, rank).
 */
export function resolveAxis(axis: number, rank: number, layer: string, what = 'layer axis'): number {
  if (!Number.isInteger(axis)) throw new InvalidArgumentError(`${layer}: ${what} must be an integer, got ${axis}`);
  const resolved = axis < 0 ? rank + axis : axis;
  if (resolved < 1 || resolved >= rank) {
    throw new ShapeError(
      `${layer}: ${what} ${axis} is out of range for an input of rank ${rank} (valid: 1…${rank - 1} or -1…${1 - rank}; ` +
        'axis 0 is the batch)',
    );
  }
  return resolved;
}

/**
 * The size of `shape` on `axis`, which must be known.
 * @throws ShapeError when it is `null` (unknown).
 */
export function knownSize(shape: tf.Shape, axis: number, layer: string, what = 'layer axis'): number {
  const size = shape[axis];
  if (size === null || size === undefined) {
    throw new ShapeError(`${layer}: the size of the ${what} (axis ${axis} of [${shape.join(', ')}]) must be known`);
  }
  return size;
}

/**
 * Validate a subset of indices along an axis of `size` entries: integers in [0, size), no duplicates.
 * @returns the indices (copied), or every index 0…size-1 when `subset` is null/undefined.
 * @throws InvalidArgumentError for an empty subset, an out-of-range or repeated index.
 */
export function resolveLayerSubset(
  subset: readonly number[] | null | undefined,
  size: number,
  layer: string,
): number[] {
  if (subset === null || subset === undefined) return Array.from({ length: size }, (_v, i) => i);
  if (subset.length === 0) throw new InvalidArgumentError(`${layer}: the layer subset is empty`);
  const seen = new Set<number>();
  for (const index of subset) {
    if (!Number.isInteger(index) || index < 0 || index >= size) {
      throw new InvalidArgumentError(
        `${layer}: layer index ${index} is out of range for ${size} layers (0…${size - 1})`,
      );
    }
    if (seen.has(index)) throw new InvalidArgumentError(`${layer}: layer index ${index} appears twice in the subset`);
    seen.add(index);
  }
  return [...subset];
}

/** True when `subset` is exactly 0…size-1 in order (no selection needed). */
export function isFullRange(subset: readonly number[], size: number): boolean {
  return subset.length === size && subset.every((v, i) => v === i);
}

/** `shape` without `axis`. */
export function dropAxis(shape: tf.Shape, axis: number): tf.Shape {
  return [...shape.slice(0, axis), ...shape.slice(axis + 1)];
}

/**
 * Check that a tensor still has the size the layer was built for on `axis`.
 * @throws ShapeError otherwise.
 */
export function checkCallSize(x: tf.Tensor, axis: number, expected: number, layer: string, what = 'layer axis'): void {
  if (x.rank <= axis || x.shape[axis] !== expected) {
    throw new ShapeError(
      `${layer}: expected ${expected} entries on the ${what} (axis ${axis}), got input of shape [${x.shape.join(', ')}]`,
    );
  }
}
