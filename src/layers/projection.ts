/**
 * The dense projection inside {@link AdapterPooler}, per BERT layer, with a hand-written gradient.
 *
 * tfjs' autograd of `matMul(a, b)` uses transposed matMuls (`aᵀ·dy`, `dy·bᵀ`), which the wasm backend runs on a slow
 * path: for rows `[19300, 1024]` × `[1024, 64]` (span batch of 2, L = 25) `matMul(rows, dy, transposeA)` took 9.7 s
 * against 0.23 s for an explicit transpose followed by a plain matMul. The gradients here transpose explicitly,
 * build the transposed activations straight from the layer input (one transpose, no saved copy of the projected
 * rows), and compute the input gradient only when asked.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';

/** What the backward pass of a projection must produce and keep. */
export interface ProjectionGradientOptions {
  /** Also return the gradient with respect to the input `x`. */
  inputGradient: boolean;
  /** Save (clone) `x` for the backward pass instead of closing over it (needed when tfjs may free `x` first). */
  saveInput: boolean;
}

type Mode = 'shared' | 'perLayer';

/**
 * Kernel `rows(x)·W (+ b)` of the shared projection: inputs `x [...lead, E, L]`, `kernel [E, A]` and, optionally,
 * `bias [A]` (added to every row), output `[n·L, A]` with rows ordered (lead…, l). Where the active backend registers it (bertvision's native kernels do, for wasm in Node) the
 * layer-axis transpose is folded into the matrix product's packing; elsewhere the projection transposes `x` first.
 */
export const LAYER_ROWS_MATMUL_KERNEL = 'BertvisionLayerRowsMatMul';
/** Kernel `rows(x)ᵀ·dy` (the shared kernel's gradient): inputs `x [...lead, E, L]`, `dy [n·L, A]`, output `[E, A]`. */
export const LAYER_COLUMNS_MATMUL_KERNEL = 'BertvisionLayerColumnsMatMul';

function foldedKernels(): boolean {
  const backend = tf.getBackend();
  return !!tf.getKernel(LAYER_ROWS_MATMUL_KERNEL, backend) && !!tf.getKernel(LAYER_COLUMNS_MATMUL_KERNEL, backend);
}

function range(n: number, offset = 0): number[] {
  return Array.from({ length: n }, (_v, i) => i + offset);
}

/** Layout helpers for an input `[...lead, E, L]` of rank r (k = r − 2 leading axes, n = their product). */
function layout(x: tf.Tensor) {
  const r = x.rank;
  const lead = x.shape.slice(0, -2);
  const n = lead.reduce((a, b) => a * b, 1);
  const E = x.shape[r - 2] ?? 1;
  const L = x.shape[r - 1] ?? 1;
  const k = lead.length;
  return { r, lead, n, E, L, k, leadAxes: range(k) };
}

/** The error of a backward pass whose closed-over input was freed (see ProjectionGradientOptions.saveInput). */
export function freedInput(): InvalidArgumentError {
  return new InvalidArgumentError(
    'AdapterPooler: its input was freed before the backward pass; set inputGradient: true or keep the input alive',
  );
}

/**
 * `x [...lead, E, L]` projected per layer: shared → `[n·L, A]` rows ordered (lead…, l) = `rows(x)·W + b`;
 * per layer → `[L, n, A]` = `x_l·W_l + b_l`. Gradients flow to `kernel`, `bias` and, with `inputGradient`, `x`.
 */
export function projectLayers(
  x: tf.Tensor,
  kernel: tf.Tensor,
  bias: tf.Tensor,
  mode: Mode,
  options: ProjectionGradientOptions,
): tf.Tensor {
  const g = layout(x);
  const A = kernel.shape[kernel.rank - 1] ?? 1;
  // shared: [n·L, E] rows; perLayer: [L, n, E]
  const rowsOf = (t: tf.Tensor): tf.Tensor =>
    mode === 'shared'
      ? tf.reshape(tf.transpose(t, [...g.leadAxes, g.r - 1, g.r - 2]), [g.n * g.L, g.E])
      : tf.reshape(tf.transpose(t, [g.r - 1, ...g.leadAxes, g.r - 2]), [g.L, g.n, g.E]);
  // the same rows transposed: shared [E, n·L]; perLayer [L, E, n]
  const columnsOf = (t: tf.Tensor): tf.Tensor =>
    mode === 'shared'
      ? tf.reshape(tf.transpose(t, [g.r - 2, ...g.leadAxes, g.r - 1]), [g.E, g.n * g.L])
      : tf.reshape(tf.transpose(t, [g.r - 1, g.r - 2, ...g.leadAxes]), [g.L, g.E, g.n]);
  const folded = mode === 'shared' && x.dtype === 'float32' && foldedKernels();
  const rowsTimesPlus = (t: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor =>
    folded
      ? (tf.engine().runKernel(LAYER_ROWS_MATMUL_KERNEL, { x: t, kernel: w, bias: b }) as tf.Tensor)
      : tf.add(tf.matMul(rowsOf(t), w), b);
  const columnsTimes = (t: tf.Tensor, dy: tf.Tensor): tf.Tensor =>
    folded
      ? (tf.engine().runKernel(LAYER_COLUMNS_MATMUL_KERNEL, { x: t, dy }) as tf.Tensor)
      : tf.matMul(columnsOf(t), dy);
  const forward = (t: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor =>
    mode === 'shared' ? rowsTimesPlus(t, w, b) : tf.add(tf.matMul(rowsOf(t), w), tf.reshape(b, [g.L, 1, A]));
  const weightGrads = (dy: tf.Tensor, t: tf.Tensor): tf.Tensor[] =>
    mode === 'shared' ? [columnsTimes(t, dy), tf.sum(dy, 0)] : [tf.matMul(columnsOf(t), dy), tf.sum(dy, 1)];
  const inputGrad = (dy: tf.Tensor, w: tf.Tensor): tf.Tensor => {
    if (mode === 'shared') {
      const dRows = tf.reshape(tf.matMul(dy, tf.transpose(w)), [...g.lead, g.L, g.E]);
      return tf.transpose(dRows, [...g.leadAxes, g.r - 1, g.r - 2]);
    }
    // batched: the transposed-B matMul is the faster form on wasm here
    const dRows = tf.reshape(tf.matMul(dy, w, false, true), [g.L, ...g.lead, g.E]);
    return tf.transpose(dRows, [...range(g.k, 1), g.k + 1, 0]);
  };

  if (options.inputGradient) {
    const project = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [xx, w, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      save([xx, w]);
      return {
        value: forward(xx, w, b),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf.tidy(() => {
            const [savedX, savedW] = saved as [tf.Tensor, tf.Tensor];
            return [inputGrad(dy, savedW), ...weightGrads(dy, savedX)];
          }),
      };
    });
    return project(x, kernel, bias);
  }
  const project = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [w, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    if (options.saveInput) save([x]);
    return {
      value: forward(x, w, b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xs = options.saveInput ? (saved[0] as tf.Tensor) : x;
        if (xs.isDisposed) throw freedInput();
        return tf.tidy(() => weightGrads(dy, xs));
      },
    };
  });
  return project(kernel, bias);
}
