/**
 * The depthwise convolution gradients tfjs-backend-wasm 4.22 lacks, `DepthwiseConv2dNativeBackpropFilter` and
 * `DepthwiseConv2dNativeBackpropInput` (NHWC, channel multipliers, strides, dilations and any padding
 * `computeConv2DInfo` describes), registered by conv-gradients.ts. They work in place on the wasm heap:
 * - on bertvision's native kernels (native/src/depthwise_gradients.cc, every core) once
 *   {@link useNativeDepthwise} has handed them over (Node with the addon: native-depthwise.ts does it);
 * - else as direct loops over Float32Array views of the heap, innermost over the contiguous channel axis (browsers,
 *   no compiler, `BERTVISION_NATIVE=0`): about 8 ns per multiply-add, 570 ms of each per xception training step at
 *   batch 64.
 * Guarded by test/backend/conv-gradients.test.ts and test/native/native-depthwise.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon, NativeDepthwiseGeometry } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;
export type Shape4 = [number, number, number, number];
export type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
export type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/** The addon's two depthwise gradients (src/platform/native.ts). */
export type NativeDepthwise = Pick<Required<NativeAddon>, 'depthwiseFilterGradient' | 'depthwiseInputGradient'>;

let native: NativeDepthwise | undefined;
let nativeCalls = 0;

/**
 * Runs the depthwise gradients on `kernels` from now on (undefined: the TypeScript loops again). Kept out of this
 * module's imports so that the browser build never loads the Node-only addon loader.
 */
export function useNativeDepthwise(kernels: NativeDepthwise | undefined): void {
  native = kernels;
}

/** How many depthwise gradients the native kernels have computed in this process (diagnostics and tests). */
export function nativeDepthwiseCalls(): number {
  return nativeCalls;
}

/** A Float32Array over the whole heap; take it after the last `makeOutput` (which may grow, so replace, the heap). */
export function heapF32(backend: WasmBackend): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer);
}

export function requireFloat32(kernel: string, ...infos: Info[]): void {
  for (const info of infos) {
    if (info.dtype !== 'float32') throw new Error(`${kernel} (wasm): float32 tensors only, got ${info.dtype}`);
  }
}

export function requireRank4(kernel: string, ...infos: Info[]): void {
  for (const info of infos) {
    if (info.shape.length !== 4) throw new Error(`${kernel} (wasm): rank-4 tensors only, got [${info.shape}]`);
  }
}

/** The native kernels' geometry arguments for `info`, or undefined where they cannot take it (negative padding). */
function nativeGeometry(info: tf.backend_util.Conv2DInfo): NativeDepthwiseGeometry | undefined {
  const { top, left } = info.padInfo;
  if (!native || top < 0 || left < 0) return undefined;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outChannels / info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    top,
    left,
  ];
}

interface DepthwiseAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: Pad;
  dimRoundingMode: Rounding;
}

/** `DepthwiseConv2dNativeBackpropFilter`: `dw [kh, kw, C, M]` from `x` and `dy`. */
export function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const name = 'DepthwiseConv2dNativeBackpropFilter';
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseAttrs & {
    filterShape: Shape4;
  };
  requireFloat32(name, x, dy);
  requireRank4(name, x, dy);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, outChannels } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const M = outChannels / C;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const wasm = backend as unknown as WasmBackend;
  const out = wasm.makeOutput([...filterShape], 'float32');
  const geometry = nativeGeometry(info);
  if (native && geometry) {
    nativeCalls++;
    const at = [heapOffset(wasm, x), heapOffset(wasm, dy), heapOffset(wasm, out)] as const;
    native.depthwiseFilterGradient(heapBuffer(wasm), ...at, ...geometry);
    return out;
  }
  const heap = heapF32(wasm);
  const xAt = heapOffset(wasm, x) / 4;
  const dyAt = heapOffset(wasm, dy) / 4;
  const acc = new Float64Array(kh * kw * outChannels);
  const xRow = inWidth * C;
  const yRow = outWidth * outChannels;
  // one pass over x and dy: taps innermost but one, channels innermost
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < outHeight; i++) {
      const yr = dyAt + (b * outHeight + i) * yRow;
      for (let p = 0; p < kh; p++) {
        const r = i * sh + p * dh - top;
        if (r < 0 || r >= inHeight) continue;
        const xr = xAt + (b * inHeight + r) * xRow;
        for (let j = 0; j < outWidth; j++) {
          const yo = yr + j * outChannels;
          for (let q = 0; q < kw; q++) {
            const col = j * sw + q * dw - left;
            if (col < 0 || col >= inWidth) continue;
            const xo = xr + col * C;
            const tap = (p * kw + q) * outChannels;
            if (M === 1) {
              for (let c = 0; c < C; c++) acc[tap + c]! += heap[xo + c]! * heap[yo + c]!;
            } else {
              for (let c = 0; c < C; c++) {
                const v = heap[xo + c]!;
                const base = c * M;
                for (let m = 0; m < M; m++) acc[tap + base + m]! += v * heap[yo + base + m]!;
              }
            }
          }
        }
      }
    }
  }
  // filter layout [kh, kw, C, M] is exactly the accumulator's (tap, c·M + m)
  heap.set(acc, heapOffset(wasm, out) / 4);
  return out;
}

/** `DepthwiseConv2dNativeBackpropInput`: `dx` (of `inputShape`) from `dy` and `filter`. */
export function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const name = 'DepthwiseConv2dNativeBackpropInput';
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as DepthwiseAttrs & {
    inputShape: Shape4;
  };
  requireFloat32(name, dy, filter);
  requireRank4(name, dy, filter);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as Shape4,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, outChannels } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const M = outChannels / C;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const wasm = backend as unknown as WasmBackend;
  const out = wasm.makeOutput([...inputShape], 'float32');
  const geometry = nativeGeometry(info);
  if (native && geometry) {
    nativeCalls++;
    const at = [heapOffset(wasm, dy), heapOffset(wasm, filter), heapOffset(wasm, out)] as const;
    native.depthwiseInputGradient(heapBuffer(wasm), ...at, ...geometry);
    return out;
  }
  const heap = heapF32(wasm);
  const dxAt = heapOffset(wasm, out) / 4;
  const dyAt = heapOffset(wasm, dy) / 4;
  const wAt = heapOffset(wasm, filter) / 4;
  heap.fill(0, dxAt, dxAt + batchSize * inHeight * inWidth * C);
  const xRow = inWidth * C;
  const yRow = outWidth * outChannels;
  // scatter: every (output pixel, tap) adds dy · w to the input pixel the tap read
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < outHeight; i++) {
      const yr = dyAt + (b * outHeight + i) * yRow;
      for (let p = 0; p < kh; p++) {
        const r = i * sh + p * dh - top;
        if (r < 0 || r >= inHeight) continue;
        const xr = dxAt + (b * inHeight + r) * xRow;
        for (let j = 0; j < outWidth; j++) {
          const yo = yr + j * outChannels;
          for (let q = 0; q < kw; q++) {
            const col = j * sw + q * dw - left;
            if (col < 0 || col >= inWidth) continue;
            const xo = xr + col * C;
            const wo = wAt + (p * kw + q) * outChannels;
            if (M === 1) {
              for (let c = 0; c < C; c++) heap[xo + c]! += heap[yo + c]! * heap[wo + c]!;
            } else {
              for (let c = 0; c < C; c++) {
                const base = c * M;
                let sum = 0;
                for (let m = 0; m < M; m++) sum += heap[yo + base + m]! * heap[wo + base + m]!;
                heap[xo + c]! += sum;
              }
            }
          }
        }
      }
    }
  }
  return out;
}
