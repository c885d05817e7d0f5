/**
 * BertConcat against the seed's Keras layer (tools/golden/layers.py): outputs within 1e-5 and gradients within 1e-4
 * on cpu and wasm, for the last axis, another axis, a layer subset and both; plus leak checks, serialisation,
 * layer dropout, invariants (fast-check) and typed errors.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShapeError } from '../../src/errors.js';
import { BertConcat, type BertConcatArgs, SelectChannel } from '../../src/layers/index.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { goldenCase, layerGradients, maxAbsDiff, need, toTensor } from './golden.js';

const GOLDEN = ['bert_concat_last', 'bert_concat_axis1', 'bert_concat_subset', 'bert_concat_axis2_subset'];

/** A built BertConcat on `x` with the given logits and γ. */
function makeLayer(args: BertConcatArgs, x: tf.Tensor, logits: number[], gamma: number): BertConcat {
  const layer = new BertConcat(args);
  tf.dispose(layer.apply(x) as tf.Tensor);
  const values = [tf.tensor1d(logits), tf.tensor1d([gamma])];
  layer.setWeights(values);
  tf.dispose(values);
  return layer;
}

/** Layers on the last axis as identity columns: output[0, j] = γ · p_j (reads the effective mix weights). */
function identityProbe(size: number): tf.Tensor {
  return tf.reshape(tf.eye(size), [1, size, size]);
}

describe.each(TEST_BACKENDS)('BertConcat on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(GOLDEN)('%s matches Keras: output, mix weights, gradients to w, γ and the input', (name) => {
    const c = goldenCase(name);
    const args = need(c.args, 'args') as { layerAxis: number; layers: number[] | null };
    const weights = need(c.weights, 'weights');
    const grads = need(c.grads, 'grads');
    const x = toTensor(c.input);
    const r = toTensor(need(c.R, 'R'));
    const before = tf.memory().numTensors;
    const layer = new BertConcat({ layerAxis: args.layerAxis, layers: args.layers, inputGradient: true });
    tf.dispose(layer.apply(x) as tf.Tensor);
    const values = [toTensor(need(weights['weights'], 'w')), toTensor(need(weights['probes'], 'γ'))];
    layer.setWeights(values);
    tf.dispose(values);
    expect(layer.weights.map((w) => w.originalName)).toEqual([`${layer.name}/weights`, `${layer.name}/probes`]);

    const out = layer.apply(x) as tf.Tensor;
    expect(maxAbsDiff(out, need(c.output, 'output'))).toBeLessThan(1e-5);
    const mix = need(c.mixWeights, 'mixWeights');
    layer.getMixWeights().forEach((v, i) => expect(v).toBeCloseTo(mix.data[i] as number, 6));
    expect(layer.getGamma()).toBeCloseTo(need(weights['probes'], 'γ').data[0] as number, 6);

    const got = layerGradients(layer, x, r, true);
    for (const key of ['weights', 'probes', 'input']) {
      expect(maxAbsDiff(need(got[key], key), need(grads[key], key)), key).toBeLessThan(1e-4);
    }
    tf.dispose([out, ...Object.values(got)]);
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, r]);
  });

  it('fast form (default): same output and weight gradients, no gradient into the input', () => {
    const c = goldenCase('bert_concat_last');
    const weights = need(c.weights, 'weights');
    const x = toTensor(c.input);
    const r = toTensor(need(c.R, 'R'));
    const layer = makeLayer({}, x, need(weights['weights'], 'w').data, need(weights['probes'], 'γ').data[0] as number);
    const got = layerGradients(layer, x, r, false);
    expect(maxAbsDiff(need(got['weights'], 'w'), need(c.grads?.['weights'], 'w'))).toBeLessThan(1e-4);
    expect(maxAbsDiff(need(got['probes'], 'γ'), need(c.grads?.['probes'], 'γ'))).toBeLessThan(1e-4);
    expect(() => tf.grad((xx: tf.Tensor) => tf.sum(layer.apply(xx) as tf.Tensor))(x)).toThrow(
      /Cannot compute gradient/,
    );
    tf.dispose([x, r, ...Object.values(got)]);
    layer.dispose();
  });

  it('fast form after another layer: saves its input, so weight gradients work with and without training', () => {
    const input = tf.input({ shape: [3, 8, 5, 2] });
    const picked = new SelectChannel({ index: 0 }).apply(input) as tf.SymbolicTensor;
    const mixed = new BertConcat().apply(picked) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: mixed });
    const x = tf.randomNormal([2, 3, 8, 5, 2]);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const loss = (kwargs: Record<string, unknown>) => () => tf.sum(model.apply(x, kwargs) as tf.Tensor) as tf.Scalar;
    for (const kwargs of [{ training: true }, {}]) {
      const { value, grads } = tf.variableGrads(loss(kwargs), variables);
      // d sum(γ Σ p_l x_l) / dγ = Σ p_l x_l summed: equals the output sum divided by γ (= 1 at init).
      expect(need(grads[(variables[1] as tf.Variable).name], 'dγ').dataSync()[0]).toBeCloseTo(
        value.dataSync()[0] as number,
        3,
      );
      tf.dispose([value, ...Object.values(grads)]);
    }
    const fresh = new BertConcat();
    const y = tf.randomNormal([2, 5]);
    tf.dispose(fresh.apply(y) as tf.Tensor);
    const freed = (): tf.Scalar => {
      const z = tf.mul(y, 1);
      const out = fresh.apply(z) as tf.Tensor;
      z.dispose();
      return tf.sum(out);
    };
    expect(() =>
      tf.variableGrads(
        freed,
        fresh.trainableWeights.map((w) => w.read() as tf.Variable),
      ),
    ).toThrow(InvalidArgumentError);
    tf.dispose([x, y]);
    fresh.dispose();
    model.dispose();
  });

  it("inputGradient 'auto': the gradient reaches trainable layers upstream, as with inputGradient: true", () => {
    const x = tf.randomNormal([2, 3, 4]);
    const kernelGrad = (inputGradient: boolean | 'auto', trainable: boolean): tf.Tensor | undefined => {
      const input = tf.input({ shape: [3, 4] });
      const dense = tf.layers.dense({ units: 5, kernelInitializer: 'ones', trainable });
      const mixed = new BertConcat({ inputGradient, mixInitializer: 'zeros' }).apply(
        dense.apply(input) as tf.SymbolicTensor,
      );
      const model = tf.model({ inputs: input, outputs: mixed as tf.SymbolicTensor });
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar,
        variables,
      );
      expect(Object.keys(grads)).toHaveLength(variables.length); // the mix (and any trainable upstream) trains
      const kernel = grads[(dense.weights[0]?.read() as tf.Variable).name];
      const kept = kernel === undefined ? undefined : tf.keep(kernel.clone());
      tf.dispose([value, ...Object.values(grads)]);
      model.dispose();
      return kept;
    };
    const auto = need(kernelGrad('auto', true), 'auto kernel gradient');
    const explicit = need(kernelGrad(true, true), 'explicit kernel gradient');
    expect(tf.max(tf.abs(auto)).dataSync()[0]).toBeGreaterThan(0);
    expect(Array.from(auto.dataSync())).toEqual(Array.from(explicit.dataSync()));
    expect(kernelGrad('auto', false)).toBeUndefined(); // frozen upstream: the fast form, the mix still trains
    tf.dispose([x, auto, explicit]);
  });

  it('does not leak tensors in predict or in a training step', () => {
    const input = tf.input({ shape: [3, 8, 5] });
    const mixed = new BertConcat({ layers: [0, 2, 4], layerDropout: 0.2 }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(mixed) as tf.SymbolicTensor });
    const x = tf.randomNormal([4, 3, 8, 5]);
    const y = tf.randomNormal([4, 3, 2]);
    const optimizer = tf.train.sgd(0.1);
    const step = (): void => {
      optimizer.minimize(
        () => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      );
    };
    step(); // first step may create optimizer state
    const before = tf.memory().numTensors;
    tf.dispose(model.predict(x));
    step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('serialises: toJSON → modelFromJSON + weights gives identical output; getConfig rebuilds the layer', async () => {
    const input = tf.input({ shape: [3, 6, 4] });
    const args: BertConcatArgs = { layerAxis: 2, layers: [5, 0, 3], layerDropout: 0.25, mixInitializer: 'zeros' };
    const layer = new BertConcat(args);
    const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
    const values = [tf.tensor1d([0.3, -1.2, 0.7]), tf.tensor1d([1.7])];
    model.setWeights(values);
    tf.dispose(values);
    const json = model.toJSON(undefined, false) as tf.io.ModelJSON['modelTopology'];
    const restored = await tf.models.modelFromJSON({ modelTopology: json } as tf.io.ModelJSON);
    restored.setWeights(model.getWeights());
    const x = tf.randomNormal([2, 3, 6, 4]);
    const a = model.predict(x) as tf.Tensor;
    const b = restored.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(restored.layers[1]?.getConfig()).toEqual(layer.getConfig());

    const rebuilt = new BertConcat(layer.getConfig() as BertConcatArgs);
    expect(rebuilt.getConfig()).toEqual(layer.getConfig());
    expect(layer.getConfig()).toMatchObject({
      layerAxis: 2,
      layers: [5, 0, 3],
      layerDropout: 0.25,
      inputGradient: 'auto',
      mixInitializer: { className: 'Zeros', config: {} },
      gammaInitializer: { className: 'Ones', config: {} },
    });
    const defaults = new BertConcat().getConfig();
    expect(defaults['mixInitializer']).toMatchObject({ className: 'RandomNormal', config: { mean: 0, stddev: 0.05 } });
    tf.dispose([x, a, b]);
    model.dispose();
    restored.dispose();
  });

  it('layer dropout: only when training; renormalised over kept layers; deterministic at inference', () => {
    const size = 6;
    const probe = identityProbe(size);
    const logits = [0.5, -0.3, 1.2, 0.0, -1.0, 0.8];
    const layer = makeLayer({ layerDropout: 0.5 }, probe, logits, 1);
    const full = Array.from(layer.getMixWeights());
    const inference = (kwargs: Record<string, unknown>): number[] =>
      tf.tidy(() => Array.from((layer.apply(probe, kwargs) as tf.Tensor).dataSync()));
    for (const kwargs of [{}, { training: false }]) {
      inference(kwargs).forEach((v, i) => expect(v).toBeCloseTo(full[i] as number, 6));
    }
    let sawDrop = false;
    for (let call = 0; call < 30; call++) {
      const p = inference({ training: true });
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const kept = p.map((v) => v !== 0);
      if (kept.some((k) => !k)) sawDrop = true;
      const keptMass = full.reduce((a, v, i) => a + (kept[i] ? v : 0), 0);
      p.forEach((v, i) => expect(v).toBeCloseTo(kept[i] ? (full[i] as number) / keptMass : 0, 5));
    }
    expect(sawDrop).toBe(true);
    tf.dispose(probe);
    layer.dispose();
  });

  it('layer dropout: dropped layers get no gradient', () => {
    const size = 5;
    const probe = identityProbe(size);
    const layer = makeLayer({ layerDropout: 0.5 }, probe, [0.1, 0.2, 0.3, 0.4, 0.5], 1);
    const variable = layer.trainableWeights[0]?.read() as tf.Variable;
    for (let call = 0; call < 10; call++) {
      let p: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const out = layer.apply(probe, { training: true }) as tf.Tensor;
        p = tf.keep(out.clone());
        return tf.sum(tf.mul(out, tf.range(1, size + 1)));
      }, [variable]);
      const mix = Array.from(need(p, 'output').dataSync());
      const grad = Array.from(need(grads[variable.name], 'grad').dataSync());
      mix.forEach((v, i) => {
        if (v === 0) expect(Math.abs(grad[i] as number)).toBeLessThan(1e-6);
      });
      tf.dispose([value, p, ...Object.values(grads)]);
    }
    tf.dispose(probe);
    layer.dispose();
  });

  it('properties: weights sum to 1; equal logits give γ·mean; permuting layers and logits together', () => {
    const logitArrays = fc.array(fc.float({ min: -20, max: 20, noNaN: true, noDefaultInfinity: true }), {
      minLength: 1,
      maxLength: 12,
    });
    fc.assert(
      fc.property(logitArrays, (logits) => {
        const x = tf.zeros([1, 2, logits.length]);
        const layer = makeLayer({}, x, logits, 1);
        const mix = layer.getMixWeights();
        expect(mix.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        mix.forEach((v) => expect(v).toBeGreaterThanOrEqual(0));
        layer.dispose();
        x.dispose();
      }),
      { numRuns: 15 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.float({ min: -5, max: 5, noNaN: true }),
        fc.float({ min: Math.fround(0.1), max: 3, noNaN: true }),
        fc.integer(),
        (size, logit, gamma, seed) => {
          const x = tf.randomNormal([2, 3, size], 0, 1, 'float32', seed);
          const layer = makeLayer({}, x, new Array<number>(size).fill(logit), gamma);
          const got = layer.apply(x) as tf.Tensor;
          const expected = tf.mul(tf.mean(x, -1), gamma);
          expect(tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0]).toBeLessThan(1e-5);
          tf.dispose([x, got, expected]);
          layer.dispose();
        },
      ),
      { numRuns: 15 },
    );
    const permutedCase = fc
      .integer({ min: 2, max: 8 })
      .chain((size) =>
        fc.tuple(
          fc.constant(size),
          fc.shuffledSubarray([...Array(size).keys()], { minLength: size, maxLength: size }),
          fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: size, maxLength: size }),
          fc.integer(),
        ),
      );
    fc.assert(
      fc.property(permutedCase, ([size, perm, logits, seed]) => {
        const x = tf.randomNormal([2, size, 3], 0, 1, 'float32', seed);
        const a = makeLayer({ layerAxis: 1 }, x, logits, 1.5);
        const xPermuted = tf.gather(x, perm, 1);
        const b = makeLayer(
          { layerAxis: 1 },
          xPermuted,
          perm.map((j) => logits[j] as number),
          1.5,
        );
        const ya = a.apply(x) as tf.Tensor;
        const yb = b.apply(xPermuted) as tf.Tensor;
        expect(tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0]).toBeLessThan(1e-5);
        const wa = a.getMixWeights();
        b.getMixWeights().forEach((v, i) => expect(v).toBeCloseTo(wa[perm[i] as number] as number, 6));
        tf.dispose([x, xPermuted, ya, yb]);
        a.dispose();
        b.dispose();
      }),
      { numRuns: 15 },
    );
  });

  it('property: custom gradients equal tfjs autograd of the plain formula, any axis, rank and subset', () => {
    const cases = fc
      .tuple(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 4 }), fc.integer(), fc.integer())
      .chain(([shape, axisPick, seed]) => {
        const axis = 1 + (Math.abs(axisPick) % (shape.length - 1));
        const size = shape[axis] as number;
        return fc.tuple(
          fc.constant(shape),
          fc.constant(axis),
          fc.option(fc.shuffledSubarray([...Array(size).keys()], { minLength: 1 }), { nil: null }),
          fc.constant(seed),
        );
      });
    fc.assert(
      fc.property(cases, ([shape, axis, subset, seed]) => {
        const x = tf.randomNormal(shape, 0, 1, 'float32', seed);
        const layer = new BertConcat({
          layerAxis: axis,
          layers: subset,
          inputGradient: true,
          mixInitializer: 'glorotUniform',
        });
        tf.dispose(layer.apply(x) as tf.Tensor);
        const [w, gamma] = layer.trainableWeights.map((v) => v.read() as tf.Variable) as [tf.Variable, tf.Variable];
        const chosen = subset ?? [...Array(shape[axis]).keys()];
        // Plain formula with autograd: γ · Σ_j softmax(w)_j · x[…, chosen[j], …] (slices, so any axis works).
        const plain = (xx: tf.Tensor): tf.Tensor => {
          const p = tf.softmax(w);
          const terms = chosen.map((l, j) => {
            const begin = shape.map((_d, i) => (i === axis ? l : 0));
            const size = shape.map((d, i) => (i === axis ? 1 : d));
            return tf.mul(tf.squeeze(tf.slice(xx, begin, size), [axis]), tf.slice(p, [j], [1]));
          });
          return tf.mul(tf.addN(terms), gamma);
        };
        const r = tf.randomNormal(
          shape.filter((_d, i) => i !== axis),
          0,
          1,
          'float32',
          seed + 1,
        );
        const lossOf = (f: (t: tf.Tensor) => tf.Tensor) => (xx: tf.Tensor) => tf.sum(tf.mul(f(xx), r)) as tf.Scalar;
        const ours = tf.variableGrads(() => lossOf((t) => layer.apply(t) as tf.Tensor)(x), [w, gamma]);
        const ref = tf.variableGrads(() => lossOf(plain)(x), [w, gamma]);
        const dxOurs = tf.grad(lossOf((t) => layer.apply(t) as tf.Tensor))(x);
        const dxRef = tf.grad(lossOf(plain))(x);
        const gap = (a: tf.Tensor, b: tf.Tensor): number =>
          tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? 0);
        expect(gap(ours.value, ref.value)).toBeLessThan(1e-5);
        for (const v of [w, gamma]) {
          expect(gap(need(ours.grads[v.name], v.name), need(ref.grads[v.name], v.name))).toBeLessThan(1e-5);
        }
        expect(gap(dxOurs, dxRef)).toBeLessThan(1e-5);
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
      { numRuns: 12 },
    );
  });

  it('regression: the input gradient on an inner axis is right on wasm (packed-operand cache keyed by data id)', () => {
    // One layer on axis 1: out = γ · x[:, 0, :], so ∂ sum(out · r) / ∂x = γ · r. The wasm backend once returned
    // garbage here because dy was a matMul right operand under two shapes.
    const x = tf.randomNormal([1, 1, 3], 0, 1, 'float32', 11);
    const r = tf.randomNormal([1, 3], 0, 1, 'float32', 12);
    const layer = makeLayer({ layerAxis: 1, inputGradient: true }, x, [0.4], 1.5);
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx) as tf.Tensor, r)))(x);
    const expected = tf.mul(tf.reshape(r, [1, 1, 3]), 1.5);
    expect(tf.max(tf.abs(tf.sub(dx, expected))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, r, dx, expected]);
    layer.dispose();
  });

  it('computeOutputShape drops the layer axis and keeps unknown sizes', () => {
    expect(new BertConcat().computeOutputShape([null, 386, 1024, 25])).toEqual([null, 386, 1024]);
    expect(new BertConcat({ layerAxis: 1 }).computeOutputShape([null, 25, null, 768])).toEqual([null, null, 768]);
    expect(new BertConcat({ layerAxis: -2 }).computeOutputShape([null, 3, 7, 2])).toEqual([null, 3, 2]);
  });

  it('throws typed errors for bad axes, unknown layer counts, bad subsets and bad arguments', () => {
    const symbolic = (shape: Array<number | null>): tf.SymbolicTensor => tf.input({ shape });
    expect(() => new BertConcat({ layerAxis: 4 }).apply(symbolic([3, 8, 5]))).toThrow(ShapeError);
    expect(() => new BertConcat({ layerAxis: -4 }).apply(symbolic([3, 8, 5]))).toThrow(/batch/);
    expect(() => new BertConcat().apply(symbolic([3, 8, null]))).toThrow(ShapeError);
    expect(() => new BertConcat({ layers: [0, 5] }).apply(symbolic([3, 8, 5]))).toThrow(InvalidArgumentError);
    expect(() => new BertConcat({ layers: [1, 1] }).apply(symbolic([3, 8, 5]))).toThrow(/twice/);
    expect(() => new BertConcat({ layers: [] }).apply(symbolic([3, 8, 5]))).toThrow(InvalidArgumentError);
    expect(() => new BertConcat({ layerDropout: 1 })).toThrow(InvalidArgumentError);
    expect(() => new BertConcat({ inputGradient: 'yes' as never })).toThrow(InvalidArgumentError);
    expect(() => new BertConcat({ layerDropout: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => new BertConcat({ mixInitializer: 'noSuchInit' })).toThrow(InvalidArgumentError);
    expect(() => new BertConcat({ mixInitializer: 'dense' })).toThrow(InvalidArgumentError);
    expect(() => new BertConcat().getMixWeights()).toThrow(/not built/);
    const layer = new BertConcat();
    tf.dispose(layer.apply(tf.zeros([1, 2, 5])) as tf.Tensor);
    const wrong = tf.zeros([1, 2, 4]);
    expect(() => layer.apply(wrong)).toThrow(ShapeError);
    const ints = tf.zeros([1, 2, 5], 'int32');
    expect(() => layer.apply(ints)).toThrow(/float32/);
    tf.dispose([wrong, ints]);
    layer.dispose();
  });

  it('accepts initializers as instances, identifiers (also Keras snake_case) and configs', () => {
    const x = tf.zeros([1, 4]);
    const zero = new BertConcat({ mixInitializer: 'zeros', gammaInitializer: tf.initializers.constant({ value: 2 }) });
    tf.dispose(zero.apply(x) as tf.Tensor);
    expect(Array.from(zero.getMixWeights())).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(zero.getGamma()).toBe(2);
    const snake = new BertConcat({ mixInitializer: 'random_normal' }).getConfig();
    expect(snake['mixInitializer']).toMatchObject({ className: 'RandomNormal' });
    const fromConfig = new BertConcat({ gammaInitializer: { className: 'Constant', config: { value: 3 } } });
    tf.dispose(fromConfig.apply(x) as tf.Tensor);
    expect(fromConfig.getGamma()).toBe(3);
    tf.dispose(x);
    zero.dispose();
    fromConfig.dispose();
  });
});
