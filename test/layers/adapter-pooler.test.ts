/**
 * AdapterPooler against the seed's Keras layer (TimeDistributed(Dense) / LocallyConnected1D + GELU, via
 * tools/golden/layers.py): outputs within 1e-5, gradients to kernel, bias and input within 1e-4 on cpu and wasm;
 * parameter counts; leaks; serialisation; typed errors.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShapeError } from '../../src/errors.js';
import { AdapterPooler, type AdapterPoolerArgs, BertConcat, geluTanh } from '../../src/layers/index.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { goldenCase, layerGradients, maxAbsDiff, need, toTensor } from './golden.js';

const GOLDEN = [
  'adapter_shared_gelu_tanh',
  'adapter_unshared_gelu_tanh',
  'adapter_shared_gelu',
  'adapter_unshared_linear',
];

describe.each(TEST_BACKENDS)('AdapterPooler on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(GOLDEN)('%s matches Keras: output, parameter count, gradients to kernel, bias, input', (name) => {
    const c = goldenCase(name);
    const args = need(c.args, 'args') as Pick<AdapterPoolerArgs, 'adapterDim' | 'sharedWeights' | 'activation'>;
    const weights = need(c.weights, 'weights');
    const x = toTensor(c.input);
    const r = toTensor(need(c.R, 'R'));
    const before = tf.memory().numTensors;
    const layer = new AdapterPooler({ ...args, inputGradient: true });
    tf.dispose(layer.apply(x) as tf.Tensor);
    expect(layer.countParams()).toBe(c.params);
    const values = [toTensor(need(weights['kernel'], 'kernel')), toTensor(need(weights['bias'], 'bias'))];
    layer.setWeights(values);
    tf.dispose(values);
    expect(layer.weights.map((w) => w.originalName)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
    const out = layer.apply(x) as tf.Tensor;
    expect(maxAbsDiff(out, need(c.output, 'output'))).toBeLessThan(1e-5);
    const got = layerGradients(layer, x, r, true);
    for (const key of ['kernel', 'bias', 'input']) {
      expect(maxAbsDiff(need(got[key], key), need(c.grads?.[key], key)), key).toBeLessThan(1e-4);
    }
    tf.dispose([out, ...Object.values(got)]);
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, r]);
  });

  it("inputGradient: none on a tensor or model input by default; 'auto' passes it to a trainable BertConcat upstream", () => {
    const c = goldenCase('adapter_shared_gelu_tanh');
    const x = toTensor(c.input);
    const eager = new AdapterPooler({ adapterDim: 4 });
    tf.dispose(eager.apply(x) as tf.Tensor);
    expect(() => tf.grad((xx: tf.Tensor) => tf.sum(eager.apply(xx) as tf.Tensor))(x)).toThrow(
      /Cannot compute gradient/,
    );
    const gradsOfMix = (inputGradient: boolean | 'auto'): number[] => {
      const input = tf.input({ shape: [3, 8, 5, 2] });
      const mix = new BertConcat({ mixInitializer: 'zeros' });
      const mixed = mix.apply(input) as tf.SymbolicTensor;
      const kernelInitializer = tf.initializers.randomNormal({ mean: 0, stddev: 0.5, seed: 3 });
      const pooled = new AdapterPooler({ adapterDim: 4, inputGradient, kernelInitializer }).apply(mixed);
      const model = tf.model({ inputs: input, outputs: pooled as tf.SymbolicTensor });
      const xx = tf.randomNormal([2, 3, 8, 5, 2], 0, 1, 'float32', 7);
      const variables = mix.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(model.apply(xx) as tf.Tensor)) as tf.Scalar,
        variables,
      );
      const out = variables.flatMap((v) => Array.from(need(grads[v.name], v.name).dataSync()));
      tf.dispose([xx, value, ...Object.values(grads)]);
      model.dispose();
      return out;
    };
    const auto = gradsOfMix('auto');
    expect(auto.some((v) => v !== 0)).toBe(true);
    const explicit = gradsOfMix(true);
    auto.forEach((v, i) => expect(v).toBeCloseTo(explicit[i] as number, 3));
    expect(() => gradsOfMix(false)).toThrow(); // no path from the mix weights to the loss
    tf.dispose(x);
    eager.dispose();
  });

  it('a freed input at the backward pass is a typed error, not a read of freed memory', () => {
    const layer = new AdapterPooler({ adapterDim: 3 });
    const y = tf.randomNormal([1, 2, 4, 2]);
    tf.dispose(layer.apply(y) as tf.Tensor);
    const freed = (): tf.Scalar => {
      const z = tf.mul(y, 1);
      const out = layer.apply(z) as tf.Tensor;
      z.dispose();
      return tf.sum(out);
    };
    expect(() =>
      tf.variableGrads(
        freed,
        layer.trainableWeights.map((w) => w.read() as tf.Variable),
      ),
    ).toThrow(InvalidArgumentError);
    y.dispose();
    layer.dispose();
  });

  it('property: hand-written gradients equal tfjs autograd of the plain formula, for ranks 3–5, shared or not', () => {
    const shapes = fc.tuple(
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 5 }),
      fc.boolean(),
      fc.integer(),
    );
    fc.assert(
      fc.property(shapes, ([lead, E, L, A, sharedWeights, seed]) => {
        const layer = new AdapterPooler({ adapterDim: A, sharedWeights, inputGradient: true, initScale: 0.7 });
        const x = tf.randomNormal([...lead, E, L], 0, 1, 'float32', seed);
        tf.dispose(layer.apply(x) as tf.Tensor);
        const [kernel, bias] = layer.trainableWeights.map((w) => w.read() as tf.Variable) as [tf.Variable, tf.Variable];
        // Plain formula, differentiated by tfjs: Y[..., a, l] = gelu(Σ_e X[..., e, l] W[(l,) e, a] + b[(l,) a]).
        const k = lead.length;
        const plain = (xx: tf.Tensor): tf.Tensor => {
          const perLayer = Array.from({ length: L }, (_v, l) => {
            const xl = tf.slice(xx, [...lead.map(() => 0), 0, l], [...lead, E, 1]);
            const w = sharedWeights ? kernel : tf.squeeze(tf.slice(kernel, [l, 0, 0], [1, E, A]), [0]);
            const b = sharedWeights ? bias : tf.squeeze(tf.slice(bias, [l, 0], [1, A]), [0]);
            return geluTanh(tf.add(tf.matMul(tf.reshape(xl, [-1, E]), w), b));
          });
          return tf.reshape(tf.stack(perLayer, 2), [...lead, A, L]);
        };
        const r = tf.randomNormal([...lead, A, L], 0, 1, 'float32', seed + 1);
        const lossOf = (f: (t: tf.Tensor) => tf.Tensor) => (xx: tf.Tensor) => tf.sum(tf.mul(f(xx), r)) as tf.Scalar;
        const ours = tf.variableGrads(() => lossOf((t) => layer.apply(t) as tf.Tensor)(x), [kernel, bias]);
        const ref = tf.variableGrads(() => lossOf(plain)(x), [kernel, bias]);
        const dxOurs = tf.grad(lossOf((t) => layer.apply(t) as tf.Tensor))(x);
        const dxRef = tf.grad(lossOf(plain))(x);
        const gap = (a: tf.Tensor, b: tf.Tensor): number =>
          tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? 0);
        expect(gap(ours.value, ref.value)).toBeLessThan(1e-4);
        for (const v of [kernel, bias]) {
          expect(gap(need(ours.grads[v.name], v.name), need(ref.grads[v.name], v.name))).toBeLessThan(1e-4);
        }
        expect(gap(dxOurs, dxRef)).toBeLessThan(1e-4);
        tf.dispose([
          x,
          r,
          dxOurs,
          dxRef,
          ours.value,
          ref.value,
          ...Object.values(ours.grads),
          ...Object.values(ref.grads),
        ]);
        layer.dispose();
      }),
      { numRuns: 8 },
    );
  });

  it('parameter counts at the seed sizes (E=1024, A=386, L=25): 395,650 shared, 9,891,250 not shared', () => {
    for (const [sharedWeights, expected] of [
      [true, 395_650],
      [false, 9_891_250],
    ] as const) {
      const layer = new AdapterPooler({ adapterDim: 386, sharedWeights });
      const input = tf.input({ shape: [386, 1024, 25] });
      const output = layer.apply(input) as tf.SymbolicTensor;
      expect(output.shape).toEqual([null, 386, 386, 25]);
      expect(layer.countParams()).toBe(expected);
      layer.dispose();
    }
  });

  it('default init: truncated normal with stddev initScale (1e-3), zero bias', () => {
    const layer = new AdapterPooler({ adapterDim: 64 });
    tf.dispose(layer.apply(tf.zeros([1, 1, 256, 2])) as tf.Tensor);
    const [kernel, bias] = layer.getWeights() as [tf.Tensor, tf.Tensor];
    const values = Array.from(kernel.dataSync());
    const std = Math.sqrt(values.reduce((a, v) => a + v * v, 0) / values.length);
    expect(std).toBeGreaterThan(0.7e-3);
    expect(std).toBeLessThan(1e-3); // truncated at 2σ: std ≈ 0.88σ
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(2e-3 + 1e-9);
    expect(Array.from(bias.dataSync()).every((v) => v === 0)).toBe(true);
    layer.dispose();
  });

  it('does not leak in predict or a training step (shared / not shared, on the input / after a BertConcat)', () => {
    for (const [sharedWeights, afterMix] of [
      [true, false],
      [false, false],
      [true, true],
      [false, true],
    ] as const) {
      const input = tf.input({ shape: afterMix ? [3, 8, 5, 2] : [3, 8, 5] });
      const fed = afterMix ? (new BertConcat().apply(input) as tf.SymbolicTensor) : input;
      const pooled = new AdapterPooler({ adapterDim: 4, sharedWeights }).apply(fed) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: pooled });
      const x = tf.randomNormal(afterMix ? [2, 3, 8, 5, 2] : [2, 3, 8, 5]);
      const optimizer = tf.train.sgd(0.1);
      const step = (): void => {
        optimizer.minimize(() => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
      };
      step();
      const before = tf.memory().numTensors;
      tf.dispose(model.predict(x));
      step();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(x);
      model.dispose();
    }
  });

  it('serialises through model JSON (activation survives the snake/camel round trip) and getConfig', async () => {
    const input = tf.input({ shape: [3, 8, 5] });
    const layer = new AdapterPooler({ adapterDim: 4, sharedWeights: false, activation: 'gelu_tanh', initScale: 0.5 });
    const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
    const restored = await tf.models.modelFromJSON({
      modelTopology: model.toJSON(undefined, false) as tf.io.ModelJSON['modelTopology'],
    } as tf.io.ModelJSON);
    restored.setWeights(model.getWeights());
    const x = tf.randomNormal([2, 3, 8, 5]);
    const [a, b] = [model.predict(x) as tf.Tensor, restored.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(restored.layers[1]?.getConfig()).toEqual(layer.getConfig());
    expect(new AdapterPooler(layer.getConfig() as unknown as AdapterPoolerArgs).getConfig()).toEqual(layer.getConfig());
    expect(layer.getConfig()).toMatchObject({
      adapterDim: 4,
      sharedWeights: false,
      activation: 'gelu_tanh',
      inputGradient: 'auto',
      kernelInitializer: { className: 'TruncatedNormal', config: { stddev: 0.5 } },
      biasInitializer: { className: 'Zeros' },
    });
    tf.dispose([x, a, b]);
    model.dispose();
    restored.dispose();
  });

  it('output shape keeps unknown sizes; any rank ≥ 3', () => {
    const layer = new AdapterPooler({ adapterDim: 7 });
    expect(layer.computeOutputShape([null, null, 16, null])).toEqual([null, null, 7, null]);
    expect(layer.computeOutputShape([null, 16, 3])).toEqual([null, 7, 3]);
    const x = tf.randomNormal([2, 16, 3]);
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 7, 3]);
    tf.dispose([x, y]);
    layer.dispose();
  });

  it('throws typed errors for bad adapterDim, wrong rank, unknown sizes and bad activations', () => {
    expect(() => new AdapterPooler({ adapterDim: 0 })).toThrow(InvalidArgumentError);
    expect(() => new AdapterPooler({ adapterDim: -3 })).toThrow(InvalidArgumentError);
    expect(() => new AdapterPooler({ adapterDim: 2.5 })).toThrow(InvalidArgumentError);
    expect(() => new AdapterPooler({ adapterDim: 4, initScale: 0 })).toThrow(InvalidArgumentError);
    expect(() => new AdapterPooler({ adapterDim: 4, inputGradient: 1 as never })).toThrow(InvalidArgumentError);
    expect(() => new AdapterPooler({ adapterDim: 4, activation: 'relu' as never })).toThrow(/unknown activation/);
    expect(() => new AdapterPooler({ adapterDim: 4 }).apply(tf.input({ shape: [8] }))).toThrow(ShapeError);
    expect(() => new AdapterPooler({ adapterDim: 4 }).apply(tf.input({ shape: [3, null, 5] }))).toThrow(ShapeError);
    expect(() =>
      new AdapterPooler({ adapterDim: 4, sharedWeights: false }).apply(tf.input({ shape: [3, 8, null] })),
    ).toThrow(ShapeError);
    const layer = new AdapterPooler({ adapterDim: 4 });
    tf.dispose(layer.apply(tf.zeros([1, 2, 8, 5])) as tf.Tensor);
    const wrong = tf.zeros([1, 2, 6, 5]);
    expect(() => layer.apply(wrong)).toThrow(ShapeError);
    const ints = tf.zeros([1, 2, 8, 5], 'int32');
    expect(() => layer.apply(ints)).toThrow(InvalidArgumentError);
    tf.dispose([wrong, ints]);
    layer.dispose();
  });
});
