/**
 * A shared tanh-GELU AdapterPooler on the wasm backend against float64 NumPy (tools/fixtures/make_adapter_gradient_cases.py:
 * output, kernel and bias gradients, with the float32 bound TensorFlow's GradientTape also meets), at shapes that cut
 * the fused gradient kernel (native/src/adapter_gradients.h) into several depth blocks, past a 1024-column block and
 * over a layer axis of length 1. Where the native kernels are built the fused kernel must be the one that ran; without
 * them (BERTVISION_NATIVE=0) the composed ops meet the same bound. The same bits on one thread as on three, and the
 * opt-in bf16 products within their own bound (skipped, saying why, without AVX-512 BF16).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMatMulPrecision } from '../../src/backend/kernels/native-matmul.js';
import { initBackend } from '../../src/index.node.js';
import { AdapterPooler } from '../../src/layers/index.js';
import { ADAPTER_GELU_GRADIENTS_KERNEL } from '../../src/layers/projection-gelu.js';
import { nativeAddon, nativeKernelStatus } from '../../src/platform/native.js';
import { expectSameDigestOnOneAndThreeThreads } from '../helpers/thread-counts.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'kernels');
interface Case {
  name: string;
  x: number[];
  adapterDim: number;
  depth: number;
  offsets: number[];
}
const { order, cases } = JSON.parse(readFileSync(join(DIR, 'adapter-gradient-cases.json'), 'utf8')) as {
  order: string[];
  cases: Case[];
};
const blob = new Float32Array(new Uint8Array(readFileSync(join(DIR, 'adapter-gradient-cases.bin'))).buffer);
const status = nativeKernelStatus();
const fused = status.capabilities?.avx2Fma === true;
const hasBf16 = status.capabilities?.avx512Bf16 === true;

/** The fixture array `key` of case `c`. */
function part(c: Case, key: string): Float32Array {
  const i = order.indexOf(key);
  const end = i + 1 < c.offsets.length ? c.offsets[i + 1]! : (cases[cases.indexOf(c) + 1]?.offsets[0] ?? blob.length);
  return blob.subarray(c.offsets[i]!, end);
}

/** Largest error in units of the bound: ≤ 1 passes. */
function worst(got: ArrayLike<number>, want: Float32Array, bound: Float32Array): number {
  expect(got.length).toBe(want.length);
  let w = 0;
  for (let i = 0; i < want.length; i++) w = Math.max(w, Math.abs(got[i]! - want[i]!) / bound[i]!);
  return w;
}

interface Run {
  y: Float32Array;
  dKernel: Float32Array;
  dBias: Float32Array;
  kernels: string[];
}

/** The layer's output and the gradients of Σ y·dy to its kernel and bias, with the kernels the backward pass ran. */
async function runLayer(c: Case): Promise<Run> {
  const before = tf.memory().numTensors;
  const x = tf.tensor(part(c, 'x'), c.x);
  const dy = tf.tensor(part(c, 'dy'), [...c.x.slice(0, -2), c.adapterDim, c.x.at(-1)!]);
  const layer = new AdapterPooler({ adapterDim: c.adapterDim, activation: 'gelu_tanh', sharedWeights: true });
  tf.dispose(layer.apply(x) as tf.Tensor);
  const E = c.x.at(-2)!;
  const weights = [tf.tensor(part(c, 'kernel'), [E, c.adapterDim]), tf.tensor(part(c, 'bias'), [c.adapterDim])];
  layer.setWeights(weights);
  tf.dispose(weights);
  const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
  const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  let grads: tf.NamedTensorMap = {};
  const profile = await tf.profile(() => {
    const result = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, dy)) as tf.Scalar, variables);
    grads = result.grads;
    result.value.dispose();
  });
  const [kernelVar, biasVar] = variables as [tf.Variable, tf.Variable];
  const run = {
    y: y.dataSync() as Float32Array,
    dKernel: grads[kernelVar.name]!.dataSync() as Float32Array,
    dBias: grads[biasVar.name]!.dataSync() as Float32Array,
    kernels: profile.kernelNames,
  };
  tf.dispose([x, dy, y, ...Object.values(grads)]);
  layer.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return run;
}

describe('a shared tanh-GELU AdapterPooler on wasm against float64 NumPy', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    `%s: output and kernel/bias gradients within float32 error, ${fused ? 'on the fused kernel' : 'composed'}`,
    async (_name, c) => {
      const run = await runLayer(c);
      expect(run.kernels.includes(ADAPTER_GELU_GRADIENTS_KERNEL)).toBe(fused);
      expect(worst(run.y, part(c, 'y'), part(c, 'y_bound'))).toBeLessThanOrEqual(1);
      expect(worst(run.dKernel, part(c, 'dkernel'), part(c, 'dkernel_bound'))).toBeLessThanOrEqual(1);
      expect(worst(run.dBias, part(c, 'dbias'), part(c, 'dbias_bound'))).toBeLessThanOrEqual(1);
    },
  );
});

describe.skipIf(!fused)('the fused adapter gradient kernel across the thread pool', () => {
  it('gives the same bits on one thread as on three', () => {
    // x [n, E, L] with E = 300 rows of the product (three row blocks of 144) and n·L = 1000 (two depth blocks), or
    // with n·L = 7500 (fifteen depth blocks, summed in two segments)
    const script = (n: number, E: number) => `
      const { createHash } = require('node:crypto');
      const addon = require(${JSON.stringify(status.path)});
      const [n, E, L, A] = [${n}, ${E}, 25, 50];
      const sizes = [n * E * L, n * L * A, n * A * L, E * A, A];
      const memory = new Float32Array(sizes.reduce((a, b) => a + b, 0));
      let seed = 12345;
      for (let i = 0; i < sizes[0] + sizes[1] + sizes[2]; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        memory[i] = (seed / 2147483648 - 0.5) * 6;
      }
      const at = sizes.map((_, i) => 4 * sizes.slice(0, i).reduce((a, b) => a + b, 0));
      addon.adapterGeluGradients(memory.buffer, ...at, n, E, L, A);
      process.stdout.write(createHash('sha256').update(new Uint8Array(memory.buffer)).digest('hex'));
    `;
    expectSameDigestOnOneAndThreeThreads(script(40, 300));
    expectSameDigestOnOneAndThreeThreads(script(300, 30));
  });

  it('refuses operands that reach past the heap with a typed error, not a crash', () => {
    const memory = new ArrayBuffer(1024);
    const addon = nativeAddon()!;
    expect(() => addon.adapterGeluGradients!(memory, 0, 0, 0, 0, 0, 4, 4, 4, 4)).not.toThrow();
    expect(() => addon.adapterGeluGradients!(memory, 0, 0, 0, 0, 0, 8, 8, 8, 8)).toThrow(/out of bounds/);
    expect(() => addon.adapterGeluGradients!(memory, 0, 0, 0, 0, 0, 0, 8, 8, 8)).toThrow(/bad dimensions/);
  });
});

describe.skipIf(!hasBf16)('the same layer with setMatMulPrecision("bf16")', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    setMatMulPrecision('bf16');
  });
  afterAll(() => {
    setMatMulPrecision('fp32');
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: within the bound of bf16-rounded operands', async (_name, c) => {
    const run = await runLayer(c);
    expect(run.kernels).toContain(ADAPTER_GELU_GRADIENTS_KERNEL);
    expect(worst(run.y, part(c, 'y'), part(c, 'y_bound_bf16'))).toBeLessThanOrEqual(1);
    expect(worst(run.dKernel, part(c, 'dkernel'), part(c, 'dkernel_bound_bf16'))).toBeLessThanOrEqual(1);
    expect(worst(run.dBias, part(c, 'dbias'), part(c, 'dbias_bound_bf16'))).toBeLessThanOrEqual(1);
  });
});
if (!hasBf16) {
  console.warn(
    `native-adapter-gradients.test.ts: bf16 cases skipped: ${
      status.capabilities ? 'this CPU lacks AVX-512 BF16' : 'the native kernels are not built'
    }`,
  );
}
