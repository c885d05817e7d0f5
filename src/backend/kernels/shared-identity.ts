/**
 * The WebAssembly backend's `Identity`, and `Cast` to the dtype a tensor already has, as a shared reference to the
 * input's memory (its reference count raised), the way tfjs' cpu and WebGL backends do them; tfjs-backend-wasm 4.22
 * copies.
 *
 * The copies are not rare: tfjs' engine clones every tensor a gradient saves (`saveTensorsForBackwardMode` runs
 * `Identity` on each), the ReLU and Square gradients cast float32 to float32, and so does `tf.moments`. A full Xception
 * training step at batch 64 made about 400 such copies of its `[64, 1, 16, 728]` activations alone (230 ms of a
 * 4.6 s step, bench/profile-step.ts). Tensors are immutable and every kernel writes a fresh output, so sharing is
 * safe; tfjs-wasm's own `Reshape` shares the same way. Guarded by test/backend/shared-identity.test.ts (values,
 * independence of disposal, no leaked memory, gradients through clones).
 */
import type * as tf from '@tensorflow/tfjs';
import { wrapKernel } from './wrap-kernel.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

const MARK = Symbol.for('bertvision.sharedIdentity');

interface RefCounting {
  incRef(dataId: object): void;
}

/** The input itself, its memory shared, or undefined (strings, and casts that change the dtype). */
function shared(args: KernelArgs, dtype?: tf.DataType): Info | undefined {
  const { x } = args.inputs as { x: Info };
  if (x.dtype === 'string' || (dtype !== undefined && dtype !== x.dtype)) return undefined;
  (args.backend as unknown as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * Makes the wasm backend's `Identity` and same-dtype `Cast` share their input's memory. Idempotent; call after the
 * wasm backend's package is imported (the Node entry and the browser candidate do it).
 * @returns the kernels routed (now or before); empty when the backend has neither.
 */
export function installSharedIdentity(backendName = 'wasm'): string[] {
  const routed: string[] = [];
  for (const kernelName of ['Identity', 'Cast']) {
    const cast = kernelName === 'Cast';
    const outcome = wrapKernel(kernelName, backendName, MARK, (args) =>
      shared(args, cast ? (args.attrs as unknown as { dtype: tf.DataType }).dtype : undefined),
    );
    if (outcome !== 'absent') routed.push(kernelName);
  }
  return routed;
}
