/** Moving the layer axis of examples to the last position (torch `[N, L, S, E]` → `[N, S, E, L]`). Browser-safe. */

/**
 * For `count` examples of shape `exampleShape` (without the example axis) stored contiguously in `src`, writes
 * the same examples into `dst` with axis `axis` (an index into `exampleShape`) moved last.
 * Cost: one pass with strided writes (cache-unfriendly for large L·Q), roughly 0.3–1 GB/s on one core.
 */
export function moveAxisLast(
  src: Float32Array | Float64Array,
  dst: Float32Array | Float64Array,
  count: number,
  exampleShape: readonly number[],
  axis: number,
): void {
  const before = exampleShape.slice(0, axis).reduce((a, b) => a * b, 1);
  const layers = exampleShape[axis]!;
  const after = exampleShape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const exampleSize = before * layers * after;
  for (let n = 0; n < count; n++) {
    const base = n * exampleSize;
    for (let p = 0; p < before; p++) {
      for (let l = 0; l < layers; l++) {
        const from = base + (p * layers + l) * after;
        let to = base + p * after * layers + l;
        for (let q = 0; q < after; q++, to += layers) dst[to] = src[from + q]!;
      }
    }
  }
}

/** The shape `moveAxisLast` produces from `shape` (which includes the example axis first) for layer axis `axis`. */
export function shapeWithAxisLast(shape: readonly number[], axis: number): number[] {
  const rest = shape.filter((_, i) => i !== axis);
  return [...rest, shape[axis]!];
}
