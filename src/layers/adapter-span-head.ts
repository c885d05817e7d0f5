/**
 * A span head's shared {@link AdapterPooler} (tanh-GELU), its `(A, L)` flatten and the position-wise `Dense(2)` after
 * it as one differentiable op, for backends that register the fused kernels (bertvision's native kernels do, for wasm
 * in Node). The training step uses it for the `adapter-<A>` span heads (src/train/fused-span-step.ts); the model and
 * its layers stay as they are.
 *
 * Layer by layer, a step writes the activation y and its derivative g (each `[n·L, A]`, 33 MB per MiniLM span batch
 * of 8), reads y twice more for the Dense's forward product and kernel gradient, writes the Dense's input gradient
 * `dy` and reads it back with g for the adapter's kernel gradient. Fused, the forward pass evaluates the GELU as it
 * reads the projection z into the two logits, and the backward product evaluates it again as it packs its operand,
 * forming `dz = GELU'(z) · (dOut·Wᵀ)` and the head kernel's gradient on the way: of those buffers only z exists.
 */
import * as tf from '@tensorflow/tfjs';
import { freedInput, LAYER_ROWS_MATMUL_KERNEL } from './projection.js';

/**
 * Kernel of the fused forward pass: inputs `z [n, L, A]` (the adapter projection, rows ordered (i, l)), `kernel
 * [A·L, 2]` and `bias [2]` (the Dense after the flatten); output `[n, 2]`:
 * `out[i][u] = bias[u] + Σ_{l,a} GELU_tanh(z[i][l][a]) · kernel[a·L + l][u]`.
 */
export const ADAPTER_HEAD_KERNEL = 'BertvisionAdapterGeluTanhHead';

/**
 * Kernel of its weight gradients: inputs `x [...lead, E, L]`, `z [n, L, A]`, `dOut [n, 2]` (the logits' gradient)
 * and `kernel [A·L, 2]`; outputs `[dAdapterKernel [E, A], dAdapterBias [A], dKernel [A·L, 2], dBias [2]]`.
 */
export const ADAPTER_HEAD_GRADIENTS_KERNEL = 'BertvisionAdapterGeluTanhHeadGradients';

/**
 * tfjs environment flag: whether {@link fusedAdapterHeadAvailable} may report the fused head. Default true; the
 * backend turns it off while the opt-in bf16 products are chosen (the fused gradient product is float32 only).
 */
export const ADAPTER_HEAD_FUSION_FLAG = 'BERTVISION_ADAPTER_HEAD_FUSION';
// registering again (a second copy of this module on the same tfjs) would only replace the default with itself
tf.env().registerFlag(ADAPTER_HEAD_FUSION_FLAG, () => true);

/** Whether {@link adapterGeluTanhSpanLogits} can run on the active backend for `x`: float32, kernels registered. */
export function fusedAdapterHeadAvailable(x: tf.Tensor): boolean {
  if (x.dtype !== 'float32' || x.rank !== 4 || !tf.env().getBool(ADAPTER_HEAD_FUSION_FLAG)) return false;
  const backend = tf.getBackend();
  return [LAYER_ROWS_MATMUL_KERNEL, ADAPTER_HEAD_KERNEL, ADAPTER_HEAD_GRADIENTS_KERNEL].every(
    (name) => tf.getKernel(name, backend) !== undefined,
  );
}

/**
 * The logits `[B, S, 2]` of `Dense(2)(flatten_(A, L)(GELU_tanh(rows(x)·adapterKernel + adapterBias)))` for activations
 * `x [B, S, E, L]`, `adapterKernel [E, A]`, `adapterBias [A]`, `headKernel [A·L, 2]` and `headBias [2]`: what the
 * layers of an `adapter-<A>` span head compute before the start/end split, with gradients to the four weights (none to
 * `x`, which must stay alive until the backward pass). Check {@link fusedAdapterHeadAvailable} first. The logits
 * agree with the layers' to float32 rounding (the sums run in another order).
 * @example
 * ```ts
 * const logits = adapterGeluTanhSpanLogits(x, adapter.kernel, adapter.bias, dense.kernel, dense.bias); // [B, S, 2]
 * ```
 */
export function adapterGeluTanhSpanLogits(
  x: tf.Tensor,
  adapterKernel: tf.Tensor,
  adapterBias: tf.Tensor,
  headKernel: tf.Tensor,
  headBias: tf.Tensor,
): tf.Tensor {
  const [B, S, , L] = x.shape as [number, number, number, number];
  const A = adapterKernel.shape[1] ?? 1;
  const n = B * S;
  const logits = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [wa, ba, wh, bh, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const z = tf.engine().runKernel(LAYER_ROWS_MATMUL_KERNEL, { x, kernel: wa, bias: ba }) as tf.Tensor;
    const z3 = tf.reshape(z, [n, L, A]);
    z.dispose();
    const out = tf.engine().runKernel(ADAPTER_HEAD_KERNEL, { z: z3, kernel: wh, bias: bh }) as tf.Tensor;
    save([z3, wh]);
    return {
      value: tf.reshape(out, [B, S, 2]),
      gradFunc: (dOut: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedZ, savedKernel] = saved as [tf.Tensor, tf.Tensor];
        if (x.isDisposed) throw freedInput();
        return tf.engine().runKernel(ADAPTER_HEAD_GRADIENTS_KERNEL, {
          x,
          z: savedZ,
          dOut: tf.reshape(dOut, [n, 2]),
          kernel: savedKernel,
        }) as tf.Tensor[];
      },
    };
  });
  return logits(adapterKernel, adapterBias, headKernel, headBias);
}
