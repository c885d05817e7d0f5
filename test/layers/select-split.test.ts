/**
 * SelectChannel (the seed's skip `inp[..., -1]`) and SplitStartEnd (start/end logits) against TF indexing and
 * `tf.unstack` (tools/golden/layers.py) on cpu and wasm; serialisation; typed errors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShapeError } from '../../src/errors.js';
import { SelectChannel, type SelectChannelArgs, SplitStartEnd } from '../../src/layers/index.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { goldenCase, layerGradients, maxAbsDiff, need, toTensor } from './golden.js';

describe.each(TEST_BACKENDS)('SelectChannel and SplitStartEnd on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(['select_channel_last', 'select_channel_axis1'])('%s matches TF: output and input gradient', (name) => {
    const c = goldenCase(name);
    const args = need(c.args, 'args') as { index: number; axis: number };
    const x = toTensor(c.input);
    const r = toTensor(need(c.R, 'R'));
    const before = tf.memory().numTensors;
    const layer = new SelectChannel(args);
    const out = layer.apply(x) as tf.Tensor;
    expect(maxAbsDiff(out, need(c.output, 'output'))).toBe(0);
    const got = layerGradients(layer, x, r, true);
    expect(maxAbsDiff(need(got['input'], 'grad'), need(c.grads?.['input'], 'grad'))).toBeLessThan(1e-6);
    tf.dispose([out, ...Object.values(got)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, r]);
  });

  it('split_start_end matches tf.unstack; two outputs with their own shapes; gradient reaches the input', () => {
    const c = goldenCase('split_start_end');
    const x = toTensor(c.input);
    const before = tf.memory().numTensors;
    const layer = new SplitStartEnd();
    expect(layer.computeOutputShape([null, 386, 2])).toEqual([
      [null, 386],
      [null, 386],
    ]);
    const [start, end] = layer.apply(x) as tf.Tensor[];
    expect(maxAbsDiff(need(start, 'start'), c['start'] as never)).toBe(0);
    expect(maxAbsDiff(need(end, 'end'), c['end'] as never)).toBe(0);
    const grad = tf.grad((xx: tf.Tensor) => {
      const [s, e] = layer.apply(xx) as [tf.Tensor, tf.Tensor];
      return tf.add(tf.sum(s), tf.mul(2, tf.sum(e)));
    })(x);
    const expected = tf.tidy(() => tf.tile(tf.tensor3d([1, 2], [1, 1, 2]), [2, 3, 1]));
    expect(Array.from(grad.dataSync())).toEqual(Array.from(expected.dataSync()));
    tf.dispose([start, end, grad, expected]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('both serialise inside a model: toJSON → modelFromJSON gives identical outputs', async () => {
    const input = tf.input({ shape: [4, 6, 3] });
    const picked = new SelectChannel({ index: 1, axis: 2 }).apply(input) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ units: 2 }).apply(picked) as tf.SymbolicTensor;
    const split = new SplitStartEnd().apply(logits) as tf.SymbolicTensor[];
    const model = tf.model({ inputs: input, outputs: split });
    const restored = await tf.models.modelFromJSON({
      modelTopology: model.toJSON(undefined, false) as tf.io.ModelJSON['modelTopology'],
    } as tf.io.ModelJSON);
    restored.setWeights(model.getWeights());
    const x = tf.randomNormal([2, 4, 6, 3]);
    const a = model.predict(x) as tf.Tensor[];
    const b = restored.predict(x) as tf.Tensor[];
    expect(b.map((t) => t.shape)).toEqual([
      [2, 4],
      [2, 4],
    ]);
    a.forEach((t, i) => expect(Array.from((b[i] as tf.Tensor).dataSync())).toEqual(Array.from(t.dataSync())));
    const select = model.layers[1] as SelectChannel;
    expect(new SelectChannel(select.getConfig() as SelectChannelArgs).getConfig()).toEqual(select.getConfig());
    expect(select.getConfig()).toMatchObject({ index: 1, axis: 2 });
    tf.dispose([x, ...a, ...b]);
    model.dispose();
    restored.dispose();
  });

  it('throw typed errors for bad axes, indices and shapes', () => {
    const symbolic = tf.input({ shape: [3, 8, 5] });
    expect(() => new SelectChannel({ index: 5 }).apply(symbolic)).toThrow(InvalidArgumentError);
    expect(() => new SelectChannel({ index: -6 }).apply(symbolic)).toThrow(InvalidArgumentError);
    expect(() => new SelectChannel({ axis: 4 }).apply(symbolic)).toThrow(ShapeError);
    expect(() => new SelectChannel({ axis: 0 }).apply(symbolic)).toThrow(ShapeError);
    expect(() => new SelectChannel().apply(tf.input({ shape: [3, null] }))).toThrow(ShapeError);
    expect(() => new SelectChannel({ index: 0.5 })).toThrow(InvalidArgumentError);
    expect(() => new SplitStartEnd().apply(tf.input({ shape: [3, 3] }))).toThrow(ShapeError);
    const wrong = tf.zeros([2, 3]);
    expect(() => new SplitStartEnd().apply(wrong)).toThrow(ShapeError);
    expect(() => new SplitStartEnd().apply(tf.zeros([2]))).toThrow(ShapeError);
    wrong.dispose();
  });
});
