/**
 * The convolution gradient kernels bertvision adds to the wasm backend (src/backend/kernels/conv-gradients.ts) give
 * what tfjs' independent cpu kernels give, on the Xception heads' shapes and on strides, channel multipliers, odd
 * sizes and every padding; dilated depthwise gradients (which tfjs' cpu kernels compute without the dilation) are
 * checked against the Jacobian of the forward convolution instead. No tensors leak, and one training step of
 * xception-abbreviated gives the same loss, gradients and weights on both backends. Where the native addon is loaded
 * (CI), the depthwise gradients are checked on its kernels (depthwise-gradients.ts counts the calls); with
 * `BERTVISION_NATIVE=0`, on the TypeScript loops.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { CONV_GRADIENT_KERNELS, installConvGradients } from '../../src/backend/kernels/conv-gradients.js';
import { nativeDepthwiseCalls } from '../../src/backend/kernels/depthwise-gradients.js';
import { softmaxCrossEntropyFromLogits } from '../../src/models/compile.js';
import { getArchitecture } from '../../src/models/registry.js';
import { nativeAddon } from '../../src/platform/native.js';
import { useBackend } from '../helpers/backends.js';

type Pad = 'valid' | 'same' | tf.backend_util.ExplicitPadding;
type Pair = [number, number];
type Shape4 = [number, number, number, number];

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

/** Runs `compute` on cpu, then on wasm (checking that it leaks no tensors there), and returns both results. */
async function onBoth(compute: () => Promise<number[][]>): Promise<{ cpu: number[][]; wasm: number[][] }> {
  await useBackend('cpu');
  const cpu = await compute();
  await useBackend('wasm');
  const before = tf.memory().numTensors;
  const wasm = await compute();
  expect(tf.memory().numTensors).toBe(before);
  return { cpu, wasm };
}

/** Float32 agreement: |a - b| <= atol + rtol · max |reference| (sums of many products in different orders). */
function expectClose(got: number[][], want: number[][], rtol = 1e-5, atol = 1e-5): void {
  expect(got.length).toBe(want.length);
  got.forEach((values, i) => {
    const reference = want[i]!;
    expect(values.length).toBe(reference.length);
    const scale = reference.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
    let worst = 0;
    values.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - reference[j]!));
    });
    expect(worst, `output ${i}`).toBeLessThanOrEqual(atol + rtol * scale);
  });
}

async function values(tensors: tf.Tensor[]): Promise<number[][]> {
  const out = await Promise.all(tensors.map(async (t) => Array.from(await t.data())));
  tf.dispose(tensors);
  return out;
}

/** Gradients of `Σ f(x, w) · r` (r random, so dy is not all ones) with respect to x and w. */
async function gradients(
  f: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor,
  xShape: number[],
  wShape: number[],
  seed: number,
): Promise<number[][]> {
  const x = seeded(xShape, seed) as tf.Tensor4D;
  const w = seeded(wShape, seed + 1) as tf.Tensor4D;
  const y = f(x, w);
  const r = seeded(y.shape, seed + 2);
  const grad = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), r)));
  const [dx, dw] = grad([x, w]);
  tf.dispose([x, w, y, r]);
  return values([dx!, dw!]);
}

interface ConvCase {
  x: number[];
  w: number[];
  strides: Pair;
  pad: Pad;
  label: string;
}

const CONV_CASES: ConvCase[] = [
  {
    label: 'xception entry (1,3) stride (1,3) valid',
    x: [3, 1, 40, 5],
    w: [1, 3, 5, 8],
    strides: [1, 3],
    pad: 'valid',
  },
  { label: 'xception block1_conv2 (1,3) valid', x: [2, 1, 13, 8], w: [1, 3, 8, 6], strides: [1, 1], pad: 'valid' },
  {
    label: 'xception residual 1×1 stride (1,2) same',
    x: [2, 1, 13, 6],
    w: [1, 1, 6, 10],
    strides: [1, 2],
    pad: 'same',
  },
  { label: 'pointwise 1×1 (x used as is)', x: [2, 1, 9, 7], w: [1, 1, 7, 5], strides: [1, 1], pad: 'valid' },
  { label: '3×3 stride 2 same, odd sizes', x: [2, 7, 9, 3], w: [3, 3, 3, 4], strides: [2, 2], pad: 'same' },
  { label: '5×5 same stride 1', x: [1, 5, 6, 3], w: [5, 5, 3, 2], strides: [1, 1], pad: 'same' },
  { label: '2×3 valid strides (2,1)', x: [2, 7, 8, 2], w: [2, 3, 2, 3], strides: [2, 1], pad: 'valid' },
  {
    label: 'explicit padding',
    x: [1, 6, 5, 2],
    w: [2, 3, 2, 3],
    strides: [2, 1],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
];

interface DepthwiseCase {
  x: number[];
  w: number[];
  strides: Pair;
  pad: Pad;
  label: string;
}

/** Whether the depthwise gradients run on the native kernels here (the addon is loaded and has them). */
const nativeDepthwise = nativeAddon()?.depthwiseFilterGradient !== undefined;

const DEPTHWISE_CASES: DepthwiseCase[] = [
  { label: 'xception sepconv (1,3) same', x: [3, 1, 12, 8], w: [1, 3, 8, 1], strides: [1, 1], pad: 'same' },
  {
    label: 'xception-sized (1,3) same over 728 channels',
    x: [4, 1, 16, 728],
    w: [1, 3, 728, 1],
    strides: [1, 1],
    pad: 'same',
  },
  { label: '1×3 stride (1,2) valid, multiplier 2', x: [2, 1, 11, 6], w: [1, 3, 6, 2], strides: [1, 2], pad: 'valid' },
  { label: '3×3 stride 2 same, multiplier 2', x: [2, 7, 9, 3], w: [3, 3, 3, 2], strides: [2, 2], pad: 'same' },
  { label: '2×3 valid stride (1,2), odd sizes', x: [1, 6, 7, 4], w: [2, 3, 4, 1], strides: [1, 2], pad: 'valid' },
  { label: '3×3 valid, multiplier 3', x: [2, 5, 5, 2], w: [3, 3, 2, 3], strides: [1, 1], pad: 'valid' },
  {
    label: 'explicit padding, stride 2, multiplier 2',
    x: [2, 5, 6, 3],
    w: [2, 2, 3, 2],
    strides: [2, 2],
    pad: [
      [0, 0],
      [1, 0],
      [2, 1],
      [0, 0],
    ],
  },
];

describe('convolution gradient kernels on wasm', () => {
  it('are registered with the wasm backend (installation is idempotent)', async () => {
    await useBackend('wasm');
    expect(installConvGradients('wasm')).toEqual([...CONV_GRADIENT_KERNELS]);
    for (const name of CONV_GRADIENT_KERNELS) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  it.each(CONV_CASES)('conv2d gradients match the cpu backend: $label', async (c) => {
    const f = (x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor => tf.conv2d(x, w, c.strides, c.pad);
    const { cpu, wasm } = await onBoth(() => gradients(f, c.x, c.w, 10));
    expectClose(wasm, cpu);
  });

  it.each(DEPTHWISE_CASES)('depthwiseConv2d gradients match the cpu backend: $label', async (c) => {
    const f = (x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor => tf.depthwiseConv2d(x, w, c.strides, c.pad);
    const calls = nativeDepthwiseCalls();
    const { cpu, wasm } = await onBoth(() => gradients(f, c.x, c.w, 20));
    expectClose(wasm, cpu);
    expect(nativeDepthwiseCalls() - calls).toBe(nativeDepthwise ? 2 : 0); // the filter and the input gradient
  });

  it.each([
    { label: 'xception (1,3) same, 1×1 pointwise', x: [2, 1, 15, 6], depth: [1, 3, 6, 1], out: 10, strides: 1 },
    { label: '3×3 valid, multiplier 2', x: [2, 6, 7, 3], depth: [3, 3, 3, 2], out: 4, strides: 1 },
    { label: '3×3 same stride 2', x: [1, 7, 8, 4], depth: [3, 3, 4, 1], out: 5, strides: 2 },
  ])('separableConv2d gradients (depthwise and pointwise) match the cpu backend: $label', async (c) => {
    const pad = c.label.includes('valid') ? 'valid' : 'same';
    const compute = async (): Promise<number[][]> => {
      const x = seeded(c.x, 30) as tf.Tensor4D;
      const depth = seeded(c.depth, 31) as tf.Tensor4D;
      const point = seeded([1, 1, c.depth[2]! * c.depth[3]!, c.out], 32) as tf.Tensor4D;
      const f = (a: tf.Tensor, d: tf.Tensor, p: tf.Tensor): tf.Tensor =>
        tf.separableConv2d(a as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, c.strides, pad);
      const y = f(x, depth, point);
      const r = seeded(y.shape, 33);
      const grads = tf.grads((a: tf.Tensor, d: tf.Tensor, p: tf.Tensor) => tf.sum(tf.mul(f(a, d, p), r)))([
        x,
        depth,
        point,
      ]);
      tf.dispose([x, depth, point, y, r]);
      return values(grads);
    };
    const { cpu, wasm } = await onBoth(compute);
    expectClose(wasm, cpu);
  });

  it('dilated depthwise gradients match the forward convolution’s Jacobian (cpu kernels ignore dilations)', async () => {
    const cases: Array<{ x: Shape4; w: Shape4; pad: Pad }> = [
      { x: [2, 7, 9, 3], w: [3, 3, 3, 2], pad: 'same' },
      { x: [1, 8, 7, 2], w: [2, 3, 2, 1], pad: 'valid' },
      { x: [2, 1, 11, 4], w: [1, 3, 4, 1], pad: 'same' },
      {
        x: [2, 6, 8, 3],
        w: [2, 3, 3, 2],
        pad: [
          [0, 0],
          [1, 2],
          [3, 0],
          [0, 0],
        ],
      },
    ];
    const dilations: Pair = [2, 2];
    for (const [n, c] of cases.entries()) {
      let dyShape: number[] = [];
      const run = (backend: 'cpu' | 'wasm'): { dx: tf.Tensor; dw: tf.Tensor; x: tf.Tensor; dy: tf.Tensor } => {
        const x = seeded(c.x, 40 + n) as tf.Tensor4D;
        const w = seeded(c.w, 50 + n) as tf.Tensor4D;
        const y = tf.depthwiseConv2d(x, w, 1, c.pad, 'NHWC', dilations);
        const dy = seeded(y.shape, 60 + n);
        const attrs = { strides: [1, 1], dilations, pad: c.pad, dimRoundingMode: undefined };
        const dw = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, {
          ...attrs,
          filterShape: c.w,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, {
          ...attrs,
          inputShape: c.x,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        tf.dispose([w, y]);
        expect(backend).toBe(tf.getBackend());
        dyShape = dy.shape;
        return { dx, dw, x, dy };
      };
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      const calls = nativeDepthwiseCalls();
      const got = run('wasm');
      expect(nativeDepthwiseCalls() - calls).toBe(nativeDepthwise ? 2 : 0);
      const wasm = await values([got.dx, got.dw, got.x, got.dy]);
      expect(tf.memory().numTensors).toBe(before);
      // reference on cpu, from the forward convolution only: it is linear in x and in w
      await useBackend('cpu');
      const x = tf.tensor4d(wasm[2]!, c.x);
      const w = seeded(c.w, 50 + n) as tf.Tensor4D; // the same values: tfjs' seeded generator runs in JavaScript
      const dy = tf.tensor(wasm[3]!, dyShape);
      const [batch, ...example] = c.x;
      const perExample = example.reduce((a, b) => a * b, 1);
      const dxRef = tf.tidy(() => {
        const basis = tf.reshape(tf.eye(perExample), [perExample, ...example]) as tf.Tensor4D;
        const response = tf.reshape(tf.depthwiseConv2d(basis, w, 1, c.pad, 'NHWC', dilations), [perExample, -1]);
        return tf.matMul(tf.reshape(dy, [batch, -1]), response, false, true);
      });
      const filterSize = c.w.reduce((a, b) => a * b, 1);
      const dwRef = tf.tidy(() => {
        const entries: tf.Tensor[] = [];
        for (let k = 0; k < filterSize; k++) {
          const e = tf.reshape(tf.oneHot([k], filterSize).asType('float32'), c.w) as tf.Tensor4D;
          entries.push(tf.sum(tf.mul(tf.depthwiseConv2d(x, e, 1, c.pad, 'NHWC', dilations), dy)));
        }
        return tf.stack(entries);
      });
      const reference = await values([dxRef, dwRef]);
      tf.dispose([x, dy, w]);
      expectClose([wasm[0]!, wasm[1]!], reference);
    }
  });

  it('Conv2DBackpropFilter refuses NCHW with a clear error', async () => {
    await useBackend('wasm');
    const x = tf.zeros([1, 2, 4, 4]);
    const dy = tf.zeros([1, 3, 4, 4]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: [1, 1],
        pad: 'same',
        dataFormat: 'NCHW',
        dimRoundingMode: undefined,
        filterShape: [1, 1, 2, 3],
      } as unknown as tf.NamedAttrMap),
    ).toThrow(/Conv2DBackpropFilter.*NCHW/);
    tf.dispose([x, dy]);
  });

  it('one xception-abbreviated training step gives the same loss, gradients and weights as on cpu', async () => {
    const inputShape = [1, 64, 5] as const;
    const batch = 6;
    await useBackend('cpu');
    const initial = tf.tidy(() =>
      getArchitecture('xception-abbreviated')
        .build({ inputShape, compile: false })
        .getWeights()
        .map((w) => w.clone()),
    );
    const initialValues = await Promise.all(initial.map(async (w) => ({ shape: w.shape, data: await w.data() })));
    tf.dispose(initial);
    const step = async (): Promise<number[][]> => {
      const model = getArchitecture('xception-abbreviated').build({ inputShape, compile: false });
      model.setWeights(initialValues.map((w) => tf.tensor(w.data, w.shape)));
      const x = seeded([batch, ...inputShape], 70);
      const labels = tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1, 0], 'int32'), 2);
      // gradients of the loss in training mode (batch statistics), then one SGD step through Keras' own path
      const { value, grads } = tf.variableGrads(
        () => tf.mean(softmaxCrossEntropyFromLogits(labels, model.apply(x, { training: true }) as tf.Tensor)),
        model.trainableWeights.map((w) => w.read() as tf.Variable),
      );
      model.compile({ optimizer: tf.train.sgd(0.1), loss: softmaxCrossEntropyFromLogits });
      const loss = (await model.trainOnBatch(x, labels)) as number;
      const weights = model.getWeights();
      const out = [[await value.data()].map((v) => v[0]!), [loss], ...(await values(Object.values(grads)))];
      out.push(...(await Promise.all(weights.map(async (w) => Array.from(await w.data())))));
      tf.dispose([x, labels, value]);
      model.dispose();
      return out;
    };
    await useBackend('cpu');
    const cpu = await step();
    await useBackend('wasm');
    const wasm = await step();
    expect(wasm[0]![0]).toBeCloseTo(cpu[0]![0]!, 5);
    expect(wasm[1]![0]).toBeCloseTo(cpu[1]![0]!, 5);
    expectClose(wasm, cpu, 1e-4, 1e-5);
  });
});
