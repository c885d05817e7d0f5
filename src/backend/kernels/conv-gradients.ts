/**
 * The convolution gradient kernels tfjs-backend-wasm 4.22 lacks: `Conv2DBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropFilter` and `DepthwiseConv2dNativeBackpropInput`. Without them no convolutional head
 * (the Xception family: `conv2d`, `separableConv2d` = depthwise + pointwise) can train on the wasm backend, which is
 * the one Node and browser users get by default.
 *
 * They work in place on the wasm heap and run in Node and in the browser alike (this module loads no native code):
 * - the filter gradient of a convolution is `dW = Pᵀ·dy`, with `P` the im2col patch matrix of `x` (`x` itself for
 *   1 × 1 filters without stride or padding), computed by the backend's own registered `BatchMatMul` kernel, so it runs
 *   on bertvision's native GEMM where that is installed (Node with the addon) and on XNNPACK otherwise;
 * - the depthwise gradients (depthwise-gradients.ts) run on bertvision's native kernels where native-depthwise.ts
 *   installed them (Node with the addon), else as direct loops over Float32Array views of the heap, innermost over
 *   the contiguous channel axis; both take channel multipliers, strides, dilations and any padding
 *   `computeConv2DInfo` describes.
 *
 * NHWC only (the only layout tfjs' depthwise ops have; `Conv2DBackpropFilter` with NCHW throws). Guarded by
 * test/backend/conv-gradients.test.ts (same gradients as the cpu backend, and as the forward convolution's Jacobian
 * where the cpu kernels ignore dilations).
 */
import * as tf from '@tensorflow/tfjs';
import { heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';
import {
  depthwiseBackpropFilter,
  depthwiseBackpropInput,
  heapF32,
  type Pad,
  requireFloat32,
  requireRank4,
  type Rounding,
  type Shape4,
} from './depthwise-gradients.js';
import { wrapKernel } from './wrap-kernel.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

/** The kernels this module registers. */
export const CONV_GRADIENT_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;

const MARK = Symbol.for('bertvision.convGradients');

/**
 * Writes the im2col matrix of `x` (NHWC) for `info` at float index `at` of `heap`: row `(b, i, j)`, column
 * `(p, q, c)`, value `x[b, i·sh + p - top, j·sw + q - left, c]` or 0 outside the image.
 */
export function im2col(heap: Float32Array, xAt: number, at: number, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight: kh, filterWidth: kw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rowStride = inWidth * ci;
  const patch = kh * kw * ci;
  let row = at;
  for (let b = 0; b < batchSize; b++) {
    const xb = xAt + b * inHeight * rowStride;
    for (let i = 0; i < outHeight; i++) {
      for (let j = 0; j < outWidth; j++, row += patch) {
        const c0 = j * strideWidth - left;
        // columns q with 0 <= c0 + q < inWidth are contiguous in x for a fixed filter row
        const qMin = Math.max(0, -c0);
        const qMax = Math.min(kw, inWidth - c0);
        for (let p = 0; p < kh; p++) {
          const r = i * strideHeight + p - top;
          const dst = row + p * kw * ci;
          if (r < 0 || r >= inHeight || qMin >= qMax) {
            heap.fill(0, dst, dst + kw * ci);
            continue;
          }
          if (qMin > 0) heap.fill(0, dst, dst + qMin * ci);
          const src = xb + r * rowStride + (c0 + qMin) * ci;
          heap.copyWithin(dst + qMin * ci, src, src + (qMax - qMin) * ci);
          if (qMax < kw) heap.fill(0, dst + qMax * ci, dst + kw * ci);
        }
      }
    }
  }
}

function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const name = 'Conv2DBackpropFilter';
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: [number, number] | number;
    pad: Pad;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode: Rounding;
    filterShape: Shape4;
  };
  if (dataFormat === 'NCHW') {
    throw new Error(`${name} (wasm): dataFormat NCHW is not supported (bertvision's kernel is NHWC only)`);
  }
  requireFloat32(name, x, dy);
  requireRank4(name, x, dy);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const wasm = backend as unknown as WasmBackend;
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const patch = info.filterHeight * info.filterWidth * info.inChannels;
  const outChannels = info.outChannels;
  const direct = isDirect(info);
  let patches: Info;
  if (direct) {
    patches = x;
  } else {
    patches = wasm.makeOutput([rows, patch], 'float32');
    const heap = heapF32(wasm);
    im2col(heap, heapOffset(wasm, x) / 4, heapOffset(wasm, patches) / 4, info);
  }
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!matMul) throw new Error(`${name} (wasm): the backend has no BatchMatMul kernel`);
  try {
    const product = matMul.kernelFunc({
      inputs: {
        a: { dataId: patches.dataId, shape: [1, rows, patch], dtype: 'float32' },
        b: { dataId: dy.dataId, shape: [1, rows, outChannels], dtype: 'float32' },
      },
      backend,
      attrs: { transposeA: true, transposeB: false },
    }) as Info;
    return { dataId: product.dataId, shape: [...filterShape], dtype: 'float32' };
  } finally {
    if (!direct) wasm.disposeData(patches.dataId);
  }
}

/**
 * Adds the columns of `col` (`[B·Ho·Wo, kh·kw·Ci]`, the layout {@link im2col} writes) back into the image `dx` at float
 * index `dxAt` (NHWC, zeroed by the caller): the adjoint of im2col.
 */
function col2im(heap: Float32Array, colAt: number, dxAt: number, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight: kh, filterWidth: kw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rowStride = inWidth * ci;
  const patch = kh * kw * ci;
  let row = colAt;
  for (let b = 0; b < batchSize; b++) {
    const xb = dxAt + b * inHeight * rowStride;
    for (let i = 0; i < outHeight; i++) {
      for (let j = 0; j < outWidth; j++, row += patch) {
        const c0 = j * strideWidth - left;
        const qMin = Math.max(0, -c0);
        const qMax = Math.min(kw, inWidth - c0);
        if (qMin >= qMax) continue;
        const count = (qMax - qMin) * ci;
        for (let p = 0; p < kh; p++) {
          const r = i * strideHeight + p - top;
          if (r < 0 || r >= inHeight) continue;
          const src = row + (p * kw + qMin) * ci;
          const dst = xb + r * rowStride + (c0 + qMin) * ci;
          for (let t = 0; t < count; t++) heap[dst + t]! += heap[src + t]!;
        }
      }
    }
  }
}

/**
 * `Conv2DBackpropInput` as a product and a col2im: `cols = dy·Wᵀ` (`[B·Ho·Wo, Co] × [kh·kw·Ci, Co]ᵀ`) on the backend's
 * `BatchMatMul`, then the columns added back into the image (for 1 × 1 filters without stride or padding the product
 * is the answer). tfjs-wasm 4.22's own kernel is a scalar loop: 6 s of an 18 s xception-abbreviated step at batch 64.
 * Returns undefined (leave it to the previous kernel) for NCHW and for anything but float32.
 */
function conv2DBackpropInput({ inputs, backend, attrs }: KernelArgs): Info | undefined {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as {
    strides: [number, number] | number;
    pad: Pad;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode: Rounding;
    inputShape: Shape4;
  };
  if (dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  if (dy.shape.length !== 4 || filter.shape.length !== 4) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as Shape4,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!matMul) return undefined;
  const wasm = backend as unknown as WasmBackend;
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const patch = info.filterHeight * info.filterWidth * info.inChannels;
  const cols = matMul.kernelFunc({
    inputs: {
      a: { dataId: dy.dataId, shape: [1, rows, info.outChannels], dtype: 'float32' },
      b: { dataId: filter.dataId, shape: [1, patch, info.outChannels], dtype: 'float32' },
    },
    backend,
    attrs: { transposeA: false, transposeB: true },
  }) as Info;
  if (isDirect(info)) return { dataId: cols.dataId, shape: [...inputShape], dtype: 'float32' };
  try {
    const out = wasm.makeOutput([...inputShape], 'float32');
    const heap = heapF32(wasm);
    const dxAt = heapOffset(wasm, out) / 4;
    heap.fill(0, dxAt, dxAt + inputShape.reduce((a, b) => a * b, 1));
    col2im(heap, heapOffset(wasm, cols) / 4, dxAt, info);
    return out;
  } finally {
    wasm.disposeData(cols.dataId);
  }
}

/** True for 1 × 1 filters without stride or padding, where x is its own patch matrix. */
export function isDirect(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight === info.inHeight &&
    info.outWidth === info.inWidth
  );
}

const KERNELS: Record<(typeof CONV_GRADIENT_KERNELS)[number], tf.KernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput as tf.KernelFunc,
};

const BACKPROP_INPUT_MARK = Symbol.for('bertvision.conv2DBackpropInput');

/**
 * Registers the three convolution gradient kernels on the wasm backend, where it has none of its own, and routes its
 * `Conv2DBackpropInput` (NHWC, float32) through the backend's `BatchMatMul` and a col2im. Idempotent; call after the
 * wasm backend's package is imported (the Node entry and the browser candidate do it). Works in Node and in browsers;
 * the products use whatever `BatchMatMul` the backend has when they run (bertvision's native GEMM where installed).
 * @returns the kernels registered by this call or before (a kernel the backend already provides is left alone).
 */
export function installConvGradients(backendName = 'wasm'): string[] {
  const ours: string[] = [];
  for (const [kernelName, kernelFunc] of Object.entries(KERNELS)) {
    const existing = tf.getKernel(kernelName, backendName);
    if (existing) {
      if ((existing as unknown as Record<symbol, boolean>)[MARK]) ours.push(kernelName);
      continue;
    }
    const config = { kernelName, backendName, kernelFunc } as tf.KernelConfig;
    Object.defineProperty(config, MARK, { value: true });
    tf.registerKernel(config);
    ours.push(kernelName);
  }
  wrapKernel('Conv2DBackpropInput', backendName, BACKPROP_INPUT_MARK, conv2DBackpropInput);
  return ours;
}
