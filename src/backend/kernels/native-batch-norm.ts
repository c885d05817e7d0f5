/**
 * Batch normalisation on bertvision's native kernels for the WebAssembly backend (Node with the addon): the forward
 * `FusedBatchNorm` on every core, and its gradient as one pass over `x` and `dy` instead of tfjs' 14 elementwise
 * kernels and sums (tfjs-core's `FusedBatchNorm` gradient, each a pass over an array as large as the activations).
 * The Xception heads normalise after every convolution: at batch 64 their `[64, 1, 16, 728]` activations make these
 * passes a large share of a training step (bench/profile-step.ts).
 *
 * The forward kernel replaces the backend's where the input is float32 with the per-channel arrays along its last axis
 * (`[C]`, as tfjs-layers' BatchNormalization passes them in training); anything else keeps tfjs' kernel. The gradient
 * is tfjs' own gradient config with its function replaced: the native pass on a backend that registers
 * {@link BATCH_NORM_GRAD_KERNEL} (and for those shapes), tfjs' function everywhere else. Guarded by
 * test/backend/native-batch-norm.test.ts (the cpu backend's values and gradients, training-mode moments included).
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';
import { replaceGradient } from './gradient-override.js';
import { wrapKernel } from './wrap-kernel.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

/** Inputs `{ x, mean, variance, scale?, dy }`, attrs `{ varianceEpsilon }`; outputs `[dx, dMean, dVariance, dScale, dOffset]`. */
export const BATCH_NORM_GRAD_KERNEL = 'BertvisionFusedBatchNormGrad';

const MARK = Symbol.for('bertvision.nativeBatchNorm');

/** The channel count when `x` and the per-channel arrays fit the native kernels, else undefined. */
function channelsOf(x: Info, perChannel: Array<Info | undefined>): number | undefined {
  const channels = x.shape.at(-1);
  if (x.dtype !== 'float32' || channels === undefined || channels < 1) return undefined;
  const fits = (t: Info | undefined): boolean =>
    t === undefined || (t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === channels);
  return perChannel.every(fits) ? channels : undefined;
}

/**
 * Installs the native forward `FusedBatchNorm` and {@link BATCH_NORM_GRAD_KERNEL} on the wasm backend, and the
 * gradient that uses it. Idempotent; call after the wasm backend's package is imported (the Node entry does it).
 * @returns true when installed (now or before); false where the native kernels are unavailable or predate these.
 */
export function installNativeBatchNorm(backendName = 'wasm'): boolean {
  const addon = nativeAddon();
  const forward = addon?.batchNormForward?.bind(addon);
  const backward = addon?.batchNormBackward?.bind(addon);
  if (!forward || !backward) return false;
  const outcome = wrapKernel('FusedBatchNorm', backendName, MARK, (args) => {
    const { x, mean, variance, scale, offset } = args.inputs as Record<string, Info | undefined>;
    const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
    const channels = x && mean && variance ? channelsOf(x, [mean, variance, scale, offset]) : undefined;
    if (!x || !mean || !variance || channels === undefined) return undefined;
    const wasm = args.backend as unknown as WasmBackend;
    const y = wasm.makeOutput([...x.shape], 'float32');
    const at = (t: Info | undefined): number => (t === undefined ? -1 : heapOffset(wasm, t));
    const rows = tf.util.sizeFromShape(x.shape) / channels;
    forward(
      heapBuffer(wasm),
      at(x),
      at(mean),
      at(variance),
      at(scale),
      at(offset),
      at(y),
      rows,
      channels,
      varianceEpsilon,
    );
    return y;
  });
  if (outcome === 'absent') return false;
  if (outcome === 'already-wrapped') return true;

  if (!tf.getKernel(BATCH_NORM_GRAD_KERNEL, backendName)) {
    tf.registerKernel({
      kernelName: BATCH_NORM_GRAD_KERNEL,
      backendName,
      kernelFunc: (args: KernelArgs) => {
        const { x, mean, variance, scale, dy } = args.inputs as Record<string, Info>;
        const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
        const wasm = args.backend as unknown as WasmBackend;
        const channels = x!.shape.at(-1)!;
        const outputs = [
          wasm.makeOutput([...x!.shape], 'float32'),
          ...[0, 1, 2, 3].map(() => wasm.makeOutput([channels], 'float32')),
        ] as [Info, Info, Info, Info, Info];
        const at = (t: Info | undefined): number => (t === undefined ? -1 : heapOffset(wasm, t));
        const [dx, dMean, dVariance, dScale, dOffset] = outputs.map(at) as [number, number, number, number, number];
        const rows = tf.util.sizeFromShape(x!.shape) / channels;
        backward(
          heapBuffer(wasm),
          at(x),
          at(mean),
          at(variance),
          at(scale),
          at(dy),
          dx,
          dMean,
          dVariance,
          dScale,
          dOffset,
          rows,
          channels,
          varianceEpsilon,
        );
        return outputs;
      },
    });
  }
  installGradient();
  return true;
}

/** Replaces tfjs' FusedBatchNorm gradient function with one that takes the native pass where it can (once). */
function installGradient(): void {
  replaceGradient('FusedBatchNorm', MARK, (original) => (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const dyTensor = dy as tf.Tensor;
    const usable =
      tf.getKernel(BATCH_NORM_GRAD_KERNEL, tf.getBackend()) !== undefined &&
      dyTensor.dtype === 'float32' &&
      tf.util.arraysEqual(dyTensor.shape, x.shape) &&
      channelsOf(x, [mean, variance, scale ?? undefined]) !== undefined;
    if (!usable) return original.gradFunc(dy, saved, attrs);
    const inputs: tf.NamedTensorMap = { x, mean, variance, dy: dyTensor };
    if (scale) inputs.scale = scale;
    const [dx, dMean, dVariance, dScale, dOffset] = tf
      .engine()
      .runKernel(BATCH_NORM_GRAD_KERNEL, inputs, attrs) as tf.Tensor[];
    return {
      x: () => dx!,
      mean: () => dMean!,
      variance: () => dVariance!,
      scale: () => dScale!,
      offset: () => dOffset!,
    };
  });
}
