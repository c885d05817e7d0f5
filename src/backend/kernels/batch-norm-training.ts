/**
 * Training-mode BatchNormalization as two native kernels on the WebAssembly backend (Node with the addon): the batch
 * moments in one kernel, and the whole gradient to x, through the normalisation and the moments, in one two-pass
 * kernel. tfjs-layers computes the moments with `tf.moments` (Mean, Sub, Square, Mean: four passes and two arrays as
 * large as the activations, kept for the backward pass) and reaches x's gradient through the moments' own gradients
 * (Tile, Multiply, Sum, Add…: about eight more passes). The Xception heads normalise after every convolution; at
 * batch 64 on `[1, 384, 7]` those kernels took about 180 ms of a 1.5 s step (bench/profile-step.ts) and 250 MB of
 * heap.
 *
 * {@link installBatchNormTraining} replaces `BatchNormalization.prototype.call` for training calls over the last axis
 * with float32 input, center and scale on (tfjs-layers' defaults, and the seed's), on a backend that registers both
 * kernels; every other call (inference, other axes, other backends) is tfjs-layers' own. The moving averages are
 * updated by tfjs-layers' formula. The normalised output is the same `FusedBatchNorm`; the moments are accumulated in
 * double, so values differ from tfjs' float32 sums by rounding only. Guarded by
 * test/backend/batch-norm-training.test.ts (tfjs' unfused layer on the cpu backend: outputs, moving statistics,
 * gradients to x, gamma and beta; the fallbacks).
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';

/** Inputs `{ x }`; outputs `[mean, variance]`, each `[C]` for x `[…, C]`. */
export const BATCH_NORM_MOMENTS_KERNEL = 'BertvisionBatchNormMoments';
/** Inputs `{ x, mean, variance, scale, dy }`, attrs `{ varianceEpsilon }`; outputs `[dx, dScale, dOffset]`. */
export const BATCH_NORM_TRAINING_GRAD_KERNEL = 'BertvisionBatchNormTrainingGrad';

type Info = tf.TensorInfo;

/** Registers the two kernels on the wasm backend where the addon has them. @returns whether both are registered. */
function registerKernels(backendName: string): boolean {
  const addon = nativeAddon();
  const moments = addon?.batchNormMoments?.bind(addon);
  const backward = addon?.batchNormTrainingBackward?.bind(addon);
  if (!moments || !backward || !tf.findBackendFactory(backendName)) return false;
  if (!tf.getKernel(BATCH_NORM_MOMENTS_KERNEL, backendName)) {
    tf.registerKernel({
      kernelName: BATCH_NORM_MOMENTS_KERNEL,
      backendName,
      kernelFunc: ({ inputs, backend }) => {
        const { x } = inputs as { x: Info };
        const wasm = backend as unknown as WasmBackend;
        const channels = x.shape.at(-1)!;
        const mean = wasm.makeOutput([channels], 'float32');
        const variance = wasm.makeOutput([channels], 'float32');
        const at = (t: Info): number => heapOffset(wasm, t);
        moments(heapBuffer(wasm), at(x), at(mean), at(variance), tf.util.sizeFromShape(x.shape) / channels, channels);
        return [mean, variance];
      },
    });
  }
  if (!tf.getKernel(BATCH_NORM_TRAINING_GRAD_KERNEL, backendName)) {
    tf.registerKernel({
      kernelName: BATCH_NORM_TRAINING_GRAD_KERNEL,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x, mean, variance, scale, dy } = inputs as Record<string, Info>;
        const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
        const wasm = backend as unknown as WasmBackend;
        const channels = x!.shape.at(-1)!;
        const dx = wasm.makeOutput([...x!.shape], 'float32');
        const dScale = wasm.makeOutput([channels], 'float32');
        const dOffset = wasm.makeOutput([channels], 'float32');
        const at = (t: Info): number => heapOffset(wasm, t);
        backward(
          heapBuffer(wasm),
          at(x!),
          at(mean!),
          at(variance!),
          at(scale!),
          at(dy!),
          at(dx),
          at(dScale),
          at(dOffset),
          tf.util.sizeFromShape(x!.shape) / channels,
          channels,
          varianceEpsilon,
        );
        return [dx, dScale, dOffset];
      },
    });
  }
  return true;
}

/**
 * Training-mode batch normalisation over the last axis: `[y, mean, variance]` with the batch moments of `x`, and a
 * gradient to x, gamma and beta through the normalisation and the moments. Needs both kernels on the active backend.
 */
function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const [mean, variance] = tf.engine().runKernel(BATCH_NORM_MOMENTS_KERNEL, { x }) as [tf.Tensor, tf.Tensor];
  const normalise = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, scale, offset, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    // saved, not captured: the layer's tidy disposes mean and variance before the backward pass runs
    save([input, scale, mean, variance]);
    return {
      value: tf.batchNorm(input, mean, variance, offset, scale, epsilon),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, scaleSaved, meanSaved, varianceSaved] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf
          .engine()
          .runKernel(
            BATCH_NORM_TRAINING_GRAD_KERNEL,
            { x: xs, mean: meanSaved, variance: varianceSaved, scale: scaleSaved, dy },
            { varianceEpsilon: epsilon },
          ) as tf.Tensor[];
      },
    };
  });
  return [normalise(x, gamma, beta) as tf.Tensor, mean, variance];
}

/** The parts of tfjs-layers' BatchNormalization this module reads (its class is not exported by the package). */
interface BatchNormalizationLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}

const MARK = Symbol.for('bertvision.batchNormTraining');

/** tfjs-layers' moving average: variable ← variable − (variable − value) · (1 − momentum). */
function movingAverage(variable: tf.LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const current = variable.read();
    variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - momentum)));
  });
}

/**
 * Makes training calls of tfjs-layers' BatchNormalization run on the two native kernels where they apply (see the
 * module's comment). Idempotent; call after the wasm backend's package is imported (the Node entry does it).
 * @returns true when installed (now or before); false where the native kernels are unavailable or predate these.
 */
export function installBatchNormTraining(backendName = 'wasm'): boolean {
  if (!registerKernels(backendName)) return false;
  const prototype = Object.getPrototypeOf(tf.layers.batchNormalization({})) as BatchNormalizationLayer & {
    /** tfjs-layers' own `call`, kept where benchmarks can put it back. */
    [MARK]?: BatchNormalizationLayer['call'];
  };
  if (prototype[MARK]) return true;
  const original = prototype.call;
  prototype.call = function (this: BatchNormalizationLayer, inputs, kwargs) {
    const x = Array.isArray(inputs) && inputs.length === 1 ? inputs[0]! : inputs;
    const usable =
      kwargs?.training === true &&
      x instanceof tf.Tensor &&
      x.dtype === 'float32' &&
      x.rank >= 2 &&
      (this.axis === -1 || this.axis === x.rank - 1) &&
      this.gamma != null &&
      this.beta != null &&
      tf.getKernel(BATCH_NORM_TRAINING_GRAD_KERNEL, tf.getBackend()) !== undefined;
    if (!usable) return original.call(this, inputs, kwargs);
    return tf.tidy(() => {
      const [y, mean, variance] = batchNormTraining(x, this.gamma!.read(), this.beta!.read(), this.epsilon);
      movingAverage(this.movingMean, mean, this.momentum);
      movingAverage(this.movingVariance, variance, this.momentum);
      return y;
    });
  };
  prototype[MARK] = original;
  return true;
}
