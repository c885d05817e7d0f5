/**
 * MeanConcat against Keras' reduce_mean (tools/golden/layers.py), on the last axis and on axis 1 with a layer
 * subset: outputs within 1e-5 and input gradients within 1e-4 on cpu and wasm; leaks, serialisation, errors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShapeError } from '../../src/errors.js';
import { MeanConcat, type MeanConcatArgs } from '../../src/layers/index.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { goldenCase, layerGradients, maxAbsDiff, need, toTensor } from './golden.js';

describe.each(TEST_BACKENDS)('MeanConcat on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(['mean_concat_last', 'mean_concat_axis1_subset'])('%s matches Keras: output and input gradient', (name) => {
    const c = goldenCase(name);
    const args = need(c.args, 'args') as { layerAxis: number; layers: number[] | null };
    const x = toTensor(c.input);
    const r = toTensor(need(c.R, 'R'));
    const before = tf.memory().numTensors;
    const layer = new MeanConcat({ layerAxis: args.layerAxis, layers: args.layers });
    const out = layer.apply(x) as tf.Tensor;
    expect(layer.countParams()).toBe(0);
    expect(maxAbsDiff(out, need(c.output, 'output'))).toBeLessThan(1e-5);
    const got = layerGradients(layer, x, r, true);
    expect(maxAbsDiff(need(got['input'], 'grad'), need(c.grads?.['input'], 'grad'))).toBeLessThan(1e-4);
    tf.dispose([out, ...Object.values(got)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, r]);
  });

  it('serialises through model JSON and getConfig', async () => {
    const input = tf.input({ shape: [5, 3, 4] });
    const args: MeanConcatArgs = { layerAxis: 1, layers: [4, 0] };
    const layer = new MeanConcat(args);
    const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
    const restored = await tf.models.modelFromJSON({
      modelTopology: model.toJSON(undefined, false) as tf.io.ModelJSON['modelTopology'],
    } as tf.io.ModelJSON);
    const x = tf.randomNormal([2, 5, 3, 4]);
    const [a, b] = [model.predict(x) as tf.Tensor, restored.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(new MeanConcat(layer.getConfig() as MeanConcatArgs).getConfig()).toEqual(layer.getConfig());
    expect(layer.getConfig()).toMatchObject({ layerAxis: 1, layers: [4, 0] });
    expect(layer.computeOutputShape([null, 5, null, 4])).toEqual([null, null, 4]);
    tf.dispose([x, a, b]);
  });

  it('throws typed errors for bad axes, unknown sizes and bad subsets', () => {
    const symbolic = tf.input({ shape: [3, 8, 5] });
    expect(() => new MeanConcat({ layerAxis: 4 }).apply(symbolic)).toThrow(ShapeError);
    expect(() => new MeanConcat({ layerAxis: 0 }).apply(symbolic)).toThrow(ShapeError);
    expect(() => new MeanConcat().apply(tf.input({ shape: [3, null] }))).toThrow(ShapeError);
    expect(() => new MeanConcat({ layers: [5] }).apply(symbolic)).toThrow(InvalidArgumentError);
    expect(() => new MeanConcat({ layers: [2, 2] }).apply(symbolic)).toThrow(InvalidArgumentError);
    expect(() => new MeanConcat({ layerAxis: 1.5 })).toThrow(InvalidArgumentError);
    const ints = tf.zeros([1, 3, 8, 5], 'int32');
    expect(() => new MeanConcat().apply(ints)).toThrow(InvalidArgumentError);
    ints.dispose();
  });
});
