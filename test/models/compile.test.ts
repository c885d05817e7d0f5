/**
 * compileAdapter: the seed's loss (softmax cross-entropy from logits; span = start + end) gives Keras' loss on the
 * golden models through tfjs' own evaluate/fit path, the seed's Adam, accuracy metric, and task inference.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { compileAdapter, getArchitecture, inferTask, seedAdam } from '../../src/models/index.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { type GoldenCase, readModelsFixture, setGoldenWeights } from './golden-fixture.js';

const cases = readModelsFixture().cases.filter((c) =>
  ['tenney-small', 'learned-pooling', 'adapter-64-skip'].includes(c.architecture),
);

function labelsOf(c: GoldenCase): tf.Tensor | tf.Tensor[] {
  const hot = (ids: number[], depth: number): tf.Tensor => tf.oneHot(tf.tensor1d(ids, 'int32'), depth);
  return Array.isArray(c.labels)
    ? hot(c.labels, 2)
    : [hot(c.labels.start, c.inputShape[0]), hot(c.labels.end, c.inputShape[0])];
}

describe.each(TEST_BACKENDS)('compileAdapter on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(cases.map((c) => [c.architecture, c] as const))(
    "%s: the compiled training loss equals Keras' loss",
    async (_n, c) => {
      const model = getArchitecture(c.architecture).build({
        inputShape: c.inputShape,
        ...(c.adapterDim === null ? {} : { adapterDim: c.adapterDim }),
      });
      setGoldenWeights(model, c.weights);
      const x = tf.tensor(c.input, [c.batch, ...c.inputShape]);
      const y = labelsOf(c);
      // trainOnBatch reports the loss of the weights before its update (tfjs' evaluate() is not used: for two outputs
      // its first value is the start loss alone, a tfjs 4.22 quirk).
      const [loss, ...metrics] = (await model.trainOnBatch(x, y)) as number[];
      expect(Math.abs((loss as number) - c.loss)).toBeLessThan(1e-5 * Math.max(1, c.loss));
      expect(model.metricsNames).toEqual(
        c.task === 'binary'
          ? ['loss', 'acc']
          : ['loss', 'start_logits_loss', 'end_logits_loss', 'start_logits_acc', 'end_logits_acc'],
      );
      if (c.task === 'span') expect((metrics[0] as number) + (metrics[1] as number)).toBeCloseTo(loss as number, 5);
      for (const acc of metrics.slice(c.task === 'binary' ? 0 : 2)) {
        expect(acc * c.batch).toBeCloseTo(Math.round(acc * c.batch), 5); // a fraction of the batch
      }
      tf.dispose([x, y]);
      model.dispose();
    },
  );
});

describe('compile helpers', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('seedAdam uses the seed defaults and accepts overrides', () => {
    expect(seedAdam().getConfig()).toEqual({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    expect(seedAdam({ learningRate: 5e-4 }).getConfig()).toMatchObject({ learningRate: 5e-4, epsilon: 1e-8 });
    expect(() => seedAdam({ epsilon: -1 })).toThrow(InvalidArgumentError);
  });

  it('infers the task from the outputs and rejects other models', () => {
    const span = getArchitecture('average-pooling').build({ inputShape: [4, 8, 3], compile: false });
    const binary = getArchitecture('tenney-small').build({ inputShape: [1, 8, 3], compile: false });
    expect(inferTask(span)).toBe('span');
    expect(inferTask(binary)).toBe('binary');
    const input = tf.input({ shape: [4] });
    const other = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3 }).apply(input) as tf.SymbolicTensor });
    expect(() => compileAdapter(other)).toThrow(/neither a binary head/);
    expect(() => compileAdapter(span, { task: 'binary' })).toThrow(/a binary head has 1 output/);
    [span, binary, other].forEach((m) => m.dispose());
  });
});
