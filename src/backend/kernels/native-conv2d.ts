/**
 * The WebAssembly backend's forward `Conv2D` (and `FusedConv2D` without bias or activation) as one matrix product on
 * bertvision's native GEMM (Node with the addon): `y = P·W`, with `P` the im2col patch matrix of `x`
 * (`[B·Ho·Wo, kh·kw·Ci]`; `x` itself for 1 × 1 filters without stride or padding) and `W` the filter read in place as
 * `[kh·kw·Ci, Co]`.
 *
 * tfjs-backend-wasm runs its convolutions on XNNPACK on one core: the pointwise 728 → 728 convolutions of a full
 * Xception step at batch 64 took 1.3 s of a 6.4 s step (bench/profile-step.ts), about 20 GFLOP/s, where the native
 * GEMM runs the same product at over 100 on two cores. NHWC float32 without dilation goes native; everything else
 * (NCHW, dilations, int32, a bias or an activation fused in) keeps the previous kernel. Guarded by
 * test/backend/native-conv2d.test.ts (the cpu backend's convolution, every padding, strides and shapes of the heads).
 */
import * as tf from '@tensorflow/tfjs';
import { heapBuffer, type WasmBackend } from '../../platform/wasm-heap.js';
import { im2col, isDirect } from './conv-gradients.js';
import { nativeMatMulInstalled } from './native-matmul.js';
import { wrapKernel } from './wrap-kernel.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;
type Shape4 = [number, number, number, number];
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

const MARK = Symbol.for('bertvision.nativeConv2D');
let calls = 0;

/** How many convolutions have run as one native product in this process (diagnostics and tests). */
export function nativeConv2DCalls(): number {
  return calls;
}

interface ConvAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}

function undilated(dilations: [number, number] | number | undefined): boolean {
  if (dilations === undefined) return true;
  return Array.isArray(dilations) ? dilations[0] === 1 && dilations[1] === 1 : dilations === 1;
}

/** The convolution as `P·W` on the backend's BatchMatMul, or undefined to leave it to the previous kernel. */
function convolutionProduct(args: KernelArgs): Info | undefined {
  const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, Info | undefined>;
  const attrs = args.attrs as unknown as ConvAttrs;
  if (!x || !filter || bias || preluActivationWeights) return undefined;
  if (attrs.activation !== undefined && attrs.activation !== 'linear') return undefined;
  if (attrs.dataFormat === 'NCHW' || !undilated(attrs.dilations)) return undefined;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) {
    return undefined;
  }
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!matMul) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filter.shape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const rows = info.batchSize * info.outHeight * info.outWidth;
  if (rows === 0) return undefined;
  const patch = info.filterHeight * info.filterWidth * info.inChannels;
  const wasm = args.backend as unknown as WasmBackend;
  const direct = isDirect(info);
  let patches = x;
  if (!direct) {
    patches = wasm.makeOutput([rows, patch], 'float32');
    const heap = new Float32Array(heapBuffer(wasm));
    const at = (t: Info): number => wasm.dataIdMap.get(t.dataId).memoryOffset / 4;
    im2col(heap, at(x), at(patches), info);
  }
  try {
    const product = matMul.kernelFunc({
      inputs: {
        a: { dataId: patches.dataId, shape: [1, rows, patch], dtype: 'float32' },
        b: { dataId: filter.dataId, shape: [1, patch, info.outChannels], dtype: 'float32' },
      },
      backend: args.backend,
      attrs: { transposeA: false, transposeB: false },
    }) as Info;
    calls++;
    return { dataId: product.dataId, shape: [...info.outShape], dtype: 'float32' };
  } finally {
    if (!direct) wasm.disposeData(patches.dataId);
  }
}

/**
 * Routes the wasm backend's `Conv2D` and plain `FusedConv2D` through im2col and the native GEMM. Idempotent; call after
 * {@link installNativeMatMul} (the Node entry does it): without the native product XNNPACK's own convolution is the
 * faster, so nothing is installed.
 * @returns the kernels routed (now or before); empty when the native GEMM is not installed on `backendName`.
 */
export function installNativeConv2D(backendName = 'wasm'): string[] {
  if (!nativeMatMulInstalled(backendName)) return [];
  const routed: string[] = [];
  for (const kernelName of ['Conv2D', 'FusedConv2D']) {
    if (wrapKernel(kernelName, backendName, MARK, convolutionProduct) !== 'absent') routed.push(kernelName);
  }
  return routed;
}
