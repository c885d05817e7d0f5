/**
 * The bertvision builders against the seed's models rebuilt in Keras (tools/golden/models.py): same weights, same
 * inputs → outputs within 1e-5, training loss and its gradients w.r.t. the mix weights and the head kernel within 1e-4,
 * on every test backend.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { getArchitecture, softmaxCrossEntropyFromLogits } from '../../src/models/index.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { type GoldenCase, maxAbsDiff, readModelsFixture, setGoldenWeights } from './golden-fixture.js';

const fixture = readModelsFixture();

function buildCase(c: GoldenCase): tf.LayersModel {
  const model = getArchitecture(c.architecture).build({
    inputShape: c.inputShape,
    ...(c.adapterDim === null ? {} : { adapterDim: c.adapterDim }),
    compile: false,
  });
  setGoldenWeights(model, c.weights);
  return model;
}

function trainingLoss(c: GoldenCase, outputs: tf.Tensor | tf.Tensor[]): tf.Scalar {
  const ce = (labels: number[], logits: tf.Tensor): tf.Tensor => {
    const depth = logits.shape[1] as number;
    return tf.mean(softmaxCrossEntropyFromLogits(tf.oneHot(tf.tensor1d(labels, 'int32'), depth), logits));
  };
  const list = Array.isArray(outputs) ? outputs : [outputs];
  if (Array.isArray(c.labels)) return ce(c.labels, list[0] as tf.Tensor) as tf.Scalar;
  return tf.add(ce(c.labels.start, list[0] as tf.Tensor), ce(c.labels.end, list[1] as tf.Tensor)) as tf.Scalar;
}

describe.each(TEST_BACKENDS)('Keras golden models on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(fixture.cases.map((c) => [`${c.architecture} ${JSON.stringify(c.inputShape)}`, c] as const))(
    '%s: outputs, loss and gradients match Keras',
    async (_label, c) => {
      const model = buildCase(c);
      const before = tf.memory().numTensors;
      const x = tf.tensor(c.input, [c.batch, ...c.inputShape]);

      const predicted = model.predict(x) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(predicted) ? predicted : [predicted];
      const names = c.task === 'binary' ? ['logits'] : ['start_logits', 'end_logits'];
      expect(model.outputNames).toEqual(c.task === 'binary' ? ['head'] : names);
      names.forEach((name, i) => {
        const got = list[i] as tf.Tensor;
        expect(got.shape).toEqual(c.task === 'binary' ? [c.batch, 2] : [c.batch, c.inputShape[0]]);
        expect(maxAbsDiff(got.dataSync(), c.outputs[name] as number[])).toBeLessThan(1e-5);
      });
      tf.dispose(predicted);

      const targets = c.gradients.map((g) => model.getLayer(g.layer).weights[g.index]?.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(
        () => trainingLoss(c, model.apply(x, { training: true }) as tf.Tensor[]),
        targets,
      );
      expect(Math.abs((value.dataSync()[0] as number) - c.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(c.loss)));
      for (const [i, g] of c.gradients.entries()) {
        const got = grads[(targets[i] as tf.Variable).name] as tf.Tensor;
        expect(maxAbsDiff(got.dataSync(), g.values), `${g.layer}[${g.index}]`).toBeLessThan(1e-4);
      }
      tf.dispose([value, ...Object.values(grads), x]);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    },
  );

  it('covers every gradient the seed trains through a learned mix', () => {
    const withMix = fixture.cases.filter((c) => c.gradients.some((g) => g.layer === 'bert_concat'));
    expect(withMix.map((c) => c.architecture).sort()).toEqual([
      'adapter-pooler-tenney',
      'learned-pooling',
      'learned-pooling-adapter-386',
      'learned-pooling-adapter-386-skip',
      'tenney-small',
    ]);
  });
});
