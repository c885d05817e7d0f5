/**
 * tf.js convenience for the span decoders: turn batched window tensors (logits `[N, S]`, offsets `[N, S, 2]`)
 * into decoder features. Reads each tensor's data once and hands out row views (no copies, no tensors kept);
 * a dtype cast, when needed, is disposed before returning.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '../../errors.js';
import type { QaFeature } from './input.js';

/** Batched windows as tensors. */
export interface WindowTensors {
  /** `[N, S]` start logits (any numeric dtype; read as float32). */
  startLogits: tf.Tensor;
  /** `[N, S]` end logits. */
  endLogits: tf.Tensor;
  /** `[N, S, 2]` int32 character offsets, `-1` for non-context tokens (the store's `offset_mapping`). */
  offsets: tf.Tensor;
  /** `[N]` example index of each window (a tensor or plain numbers). */
  exampleIndex: tf.Tensor | ArrayLike<number>;
}

async function readAs<T extends 'float32' | 'int32'>(
  tensor: tf.Tensor,
  dtype: T,
): Promise<T extends 'float32' ? Float32Array : Int32Array> {
  const cast = tensor.dtype === dtype ? tensor : tf.cast(tensor, dtype);
  try {
    return (await cast.data()) as T extends 'float32' ? Float32Array : Int32Array;
  } finally {
    if (cast !== tensor) cast.dispose();
  }
}

/**
 * Decoder features from window tensors, for `postprocessQaPredictions` or `decodeLegacyArgmax`. The caller keeps
 * ownership of (and disposes) the input tensors.
 * @throws ShapeError when the shapes disagree.
 */
export async function featuresFromTensors(windows: WindowTensors): Promise<QaFeature[]> {
  const { startLogits, endLogits, offsets, exampleIndex } = windows;
  if (startLogits.rank !== 2 || !tf.util.arraysEqual(startLogits.shape, endLogits.shape)) {
    throw new ShapeError(
      `start and end logits must both be [N, S]; got [${startLogits.shape}] and [${endLogits.shape}]`,
    );
  }
  const [n, s] = startLogits.shape as [number, number];
  if (offsets.rank !== 3 || offsets.shape[0] !== n || offsets.shape[2] !== 2 || (offsets.shape[1] as number) > s) {
    throw new ShapeError(`offsets must be [${n}, S' <= ${s}, 2]; got [${offsets.shape}]`);
  }
  const indexLength = exampleIndex instanceof tf.Tensor ? exampleIndex.size : exampleIndex.length;
  if (indexLength !== n)
    throw new ShapeError(`exampleIndex must have ${n} entries (one per window); got ${indexLength}`);
  const [start, end, offs, index] = await Promise.all([
    readAs(startLogits, 'float32'),
    readAs(endLogits, 'float32'),
    readAs(offsets, 'int32'),
    exampleIndex instanceof tf.Tensor ? readAs(exampleIndex, 'int32') : Promise.resolve(exampleIndex),
  ]);
  const tokens = offsets.shape[1] as number;
  return Array.from({ length: n }, (_, i) => ({
    exampleIndex: index[i] as number,
    startLogits: start.subarray(i * s, (i + 1) * s),
    endLogits: end.subarray(i * s, (i + 1) * s),
    offsets: offs.subarray(i * tokens * 2, (i + 1) * tokens * 2),
  }));
}
