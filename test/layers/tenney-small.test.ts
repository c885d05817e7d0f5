/**
 * The seed's binary "Tenney small" model (Input(1, E, L) → BertConcat → squeeze → Dense(2)) built from bertvision's
 * layer and tfjs, against the same model in Keras (tools/golden/layers.py): parameter count, logits within 1e-5,
 * gradients of every weight within 1e-4, on cpu and wasm; a save/load round trip through model JSON and weights.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BertConcat } from '../../src/layers/index.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { goldenCase, goldenLoss, maxAbsDiff, need, toTensor } from './golden.js';

const WEIGHT_ORDER = ['weights', 'probes', 'kernel', 'bias'];

function tenneySmall(hidden: number, layers: number): tf.LayersModel {
  const input = tf.input({ shape: [1, hidden, layers] });
  const mixed = new BertConcat({ name: 'bert_concat' }).apply(input) as tf.SymbolicTensor;
  const squeezed = tf.layers.reshape({ targetShape: [hidden] }).apply(mixed) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2, name: 'dense' }).apply(squeezed) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

describe.each(TEST_BACKENDS)('Tenney small (binary) on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('matches Keras: parameter count, logits and the gradients of every weight', () => {
    const c = goldenCase('tenney_small');
    const weights = need(c.weights, 'weights');
    const [, , hidden, layers] = c.input.shape as [number, number, number, number];
    const model = tenneySmall(hidden, layers);
    expect(model.countParams()).toBe(c.params);
    expect(model.weights.map((w) => w.originalName)).toEqual([
      'bert_concat/weights',
      'bert_concat/probes',
      'dense/kernel',
      'dense/bias',
    ]);
    const values = WEIGHT_ORDER.map((k) => toTensor(need(weights[k], k)));
    model.setWeights(values);
    tf.dispose(values);
    const x = toTensor(c.input);
    const r = toTensor(need(c.R, 'R'));
    const before = tf.memory().numTensors;
    const logits = model.predict(x) as tf.Tensor;
    expect(maxAbsDiff(logits, need(c.output, 'output'))).toBeLessThan(1e-5);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(
      () => goldenLoss(model.apply(x, { training: true }) as tf.Tensor, r),
      variables,
    );
    WEIGHT_ORDER.forEach((k, i) => {
      const got = need(grads[(variables[i] as tf.Variable).name], k);
      expect(maxAbsDiff(got, need(c.grads?.[k], k)), k).toBeLessThan(1e-4);
    });
    tf.dispose([logits, value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, r]);
    model.dispose();
  });

  it('save → load through model JSON and weight data gives identical logits', async () => {
    const model = tenneySmall(8, 5);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(need(artifacts, 'artifacts')));
    expect(loaded.weights.map((w) => w.originalName)).toContain('bert_concat/weights');
    const x = tf.randomNormal([3, 1, 8, 5]);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
