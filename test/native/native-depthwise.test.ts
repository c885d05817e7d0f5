/**
 * The native depthwise convolution gradients (native/src/depthwise_gradients.cc): the binding against a float64
 * reference written here (strides, dilations, padding, channel multipliers, batches split over the pool), its
 * validation (bad geometry and out-of-bounds ranges throw, never crash), and the wasm kernels taking the native path
 * with the same results as the TypeScript loops. Skipped where the addon is not built; `BERTVISION_REQUIRE_NATIVE=1`
 * (CI) turns a missing addon into a failure.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/index.node.js';
import { nativeDepthwiseCalls, useNativeDepthwise } from '../../src/backend/kernels/depthwise-gradients.js';
import { installNativeDepthwise } from '../../src/backend/kernels/native-depthwise.js';
import { nativeAddon, nativeKernelStatus, type NativeDepthwiseGeometry } from '../../src/platform/native.js';

const addon = nativeAddon();
const native = addon?.depthwiseFilterGradient && addon.depthwiseInputGradient ? addon : undefined;

interface Geometry {
  batch: number;
  inH: number;
  inW: number;
  C: number;
  M: number;
  outH: number;
  outW: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
}

function args(g: Geometry): NativeDepthwiseGeometry {
  return [g.batch, g.inH, g.inW, g.C, g.M, g.outH, g.outW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.top, g.left];
}

/** Float64 reference gradients: [dw, dx]. */
function reference(g: Geometry, x: Float32Array, dy: Float32Array, w: Float32Array): [Float64Array, Float64Array] {
  const CM = g.C * g.M;
  const dw = new Float64Array(g.kh * g.kw * CM);
  const dx = new Float64Array(g.batch * g.inH * g.inW * g.C);
  for (let b = 0; b < g.batch; b++)
    for (let i = 0; i < g.outH; i++)
      for (let j = 0; j < g.outW; j++)
        for (let p = 0; p < g.kh; p++)
          for (let q = 0; q < g.kw; q++) {
            const r = i * g.sh + p * g.dh - g.top;
            const col = j * g.sw + q * g.dw - g.left;
            if (r < 0 || r >= g.inH || col < 0 || col >= g.inW) continue;
            for (let c = 0; c < g.C; c++)
              for (let m = 0; m < g.M; m++) {
                const xi = ((b * g.inH + r) * g.inW + col) * g.C + c;
                const yi = ((b * g.outH + i) * g.outW + j) * CM + c * g.M + m;
                const wi = (p * g.kw + q) * CM + c * g.M + m;
                dw[wi]! += x[xi]! * dy[yi]!;
                dx[xi]! += dy[yi]! * w[wi]!;
              }
          }
  return [dw, dx];
}

function random(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
}

function worst(got: Float32Array, want: Float64Array): number {
  let scale = 1;
  let diff = 0;
  want.forEach((v, i) => {
    scale = Math.max(scale, Math.abs(v));
    diff = Math.max(diff, Math.abs(got[i]! - v));
  });
  return diff / scale;
}

const GEOMETRIES: Array<Geometry & { label: string }> = [
  {
    label: 'xception (1,3) same, batch over the pool',
    ...{ batch: 8, inH: 1, inW: 16, C: 728, M: 1, outH: 1, outW: 16, kh: 1, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1 },
    ...{ top: 0, left: 1 },
  },
  {
    label: '3×3 stride 2, multiplier 2, padding',
    ...{ batch: 3, inH: 7, inW: 9, C: 5, M: 2, outH: 4, outW: 5, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1 },
    ...{ top: 1, left: 1 },
  },
  {
    label: '2×3 dilation 2, multiplier 3, uneven padding',
    ...{ batch: 2, inH: 8, inW: 7, C: 3, M: 3, outH: 7, outW: 6, kh: 2, kw: 3, sh: 1, sw: 1, dh: 2, dw: 2 },
    ...{ top: 1, left: 2 },
  },
];

it('is built where CI requires it', () => {
  if (process.env.BERTVISION_REQUIRE_NATIVE === '1') {
    expect(nativeKernelStatus()).toMatchObject({ loaded: true });
    expect(native).toBeDefined();
  }
});

describe.skipIf(!native)('native depthwise gradients', () => {
  it.each(GEOMETRIES)('match a float64 reference: $label', (g) => {
    const xn = g.batch * g.inH * g.inW * g.C;
    const yn = g.batch * g.outH * g.outW * g.C * g.M;
    const wn = g.kh * g.kw * g.C * g.M;
    // one buffer, laid out x | dy | w | dw | dx (byte offsets), like tensors on the wasm heap
    const at = [0, xn, xn + yn, xn + yn + wn, xn + yn + 2 * wn].map((n) => 4 * (n + 4));
    const memory = new ArrayBuffer(at[4]! + 4 * (xn + 4));
    const x = random(xn, 1);
    const dy = random(yn, 2);
    const w = random(wn, 3);
    new Float32Array(memory, at[0], xn).set(x);
    new Float32Array(memory, at[1], yn).set(dy);
    new Float32Array(memory, at[2], wn).set(w);
    new Float32Array(memory, at[3], wn).fill(Number.NaN); // both outputs are overwritten, not added to
    new Float32Array(memory, at[4], xn).fill(Number.NaN);
    native!.depthwiseFilterGradient!(memory, at[0]!, at[1]!, at[3]!, ...args(g));
    native!.depthwiseInputGradient!(memory, at[1]!, at[2]!, at[4]!, ...args(g));
    const [dwRef, dxRef] = reference(g, x, dy, w);
    expect(worst(new Float32Array(memory, at[3], wn), dwRef)).toBeLessThan(1e-5);
    expect(worst(new Float32Array(memory, at[4], xn), dxRef)).toBeLessThan(1e-5);
  });

  it('rejects bad geometry, misaligned offsets, out-of-bounds ranges and overlapping outputs', () => {
    const g = GEOMETRIES[1]!;
    const memory = new ArrayBuffer(1 << 16);
    const ok = args(g);
    const f = native!.depthwiseFilterGradient!;
    const input = native!.depthwiseInputGradient!;
    expect(() => f(memory, 0, 4096, 8192, ...ok)).not.toThrow();
    expect(() => input(memory, 0, 4096, 8192, ...ok)).not.toThrow();
    expect(() => f(memory, 0, 4096, (1 << 16) - 64, ...ok)).toThrow(/out of bounds/);
    expect(() => input(memory, 0, 4096, (1 << 16) - 64, ...ok)).toThrow(/out of bounds/);
    expect(() => f(memory, 1 << 16, 4096, 8192, ...ok)).toThrow(/out of bounds/);
    expect(() => f(memory, 0, 4096, 8194, ...ok)).toThrow(/multiples of 4/);
    expect(() => f(memory, -4, 4096, 8192, ...ok)).toThrow(/multiples of 4/);
    expect(() => f(memory, 0, 4096, 4100, ...ok)).toThrow(/overlaps/);
    const bad = (index: number, value: number): NativeDepthwiseGeometry =>
      ok.map((v, i) => (i === index ? value : v)) as NativeDepthwiseGeometry;
    expect(() => f(memory, 0, 4096, 8192, ...bad(4, 0))).toThrow(/M must be at least 1/);
    expect(() => f(memory, 0, 4096, 8192, ...bad(9, 0))).toThrow(/strideH must be at least 1/);
    expect(() => f(memory, 0, 4096, 8192, ...bad(12, 0))).toThrow(/dilationW must be at least 1/);
    expect(() => f(memory, 0, 4096, 8192, ...bad(0, 1.5))).toThrow(/batch must be a non-negative integer/);
    expect(() => f(memory, 0, 4096, 8192, ...bad(13, -1))).toThrow(/padTop must be a non-negative integer/);
    expect(() => f(memory, 0, 4096, 8192, ...bad(3, 2 ** 40))).toThrow(/bad dimensions/);
    expect(() => f(memory, 0, 4096, 8192, ...bad(0, Number.NaN))).toThrow(/bad dimensions/);
    expect(() => (f as (...a: unknown[]) => void)(memory, 0, 4096)).toThrow();
    expect(() => (f as (...a: unknown[]) => void)(new Float32Array(4), 0, 4096, 8192, ...ok)).toThrow(/ArrayBuffer/);
  });

  describe('on the wasm backend', () => {
    beforeAll(async () => {
      await initBackend({ backend: 'wasm' });
    });

    /** dx and dw of Σ depthwiseConv2d(x, w) · r on the wasm backend. */
    async function grads(xShape: number[], wShape: number[], strides: number, pad: 'same' | 'valid') {
      const x: tf.Tensor = tf.randomUniform(xShape, -1, 1, 'float32', 5);
      const w: tf.Tensor = tf.randomUniform(wShape, -1, 1, 'float32', 6);
      const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
        tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad);
      const r = tf.tidy(() => tf.randomUniform(f(x, w).shape, -1, 1, 'float32', 7));
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), r)))([x, w]);
      const out = [await dx!.data(), await dw!.data()];
      tf.dispose([x, w, r, dx!, dw!]);
      return out;
    }

    it.each([
      { xShape: [4, 1, 16, 728], wShape: [1, 3, 728, 1], strides: 1, pad: 'same' as const },
      { xShape: [3, 7, 9, 4], wShape: [3, 3, 4, 2], strides: 2, pad: 'valid' as const },
    ])('take the native path, with the TypeScript loops’ results: $xShape $wShape', async (c) => {
      expect(installNativeDepthwise()).toBe(true);
      const calls = nativeDepthwiseCalls();
      const viaNative = await grads(c.xShape, c.wShape, c.strides, c.pad);
      expect(nativeDepthwiseCalls() - calls).toBe(2);
      useNativeDepthwise(undefined);
      try {
        const viaLoops = await grads(c.xShape, c.wShape, c.strides, c.pad);
        expect(nativeDepthwiseCalls() - calls).toBe(2);
        viaNative.forEach((got, i) => {
          expect(worst(got as Float32Array, Float64Array.from(viaLoops[i]!))).toBeLessThan(1e-5);
        });
      } finally {
        expect(installNativeDepthwise()).toBe(true);
      }
    });
  });
});
