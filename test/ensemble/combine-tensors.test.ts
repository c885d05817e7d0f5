/** combineWindowTensors on cpu and wasm against numpy (the same goldens as combineWindows), with leak checks. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CombineMethod } from '../../src/ensemble/combine.js';
import { combineWindowTensors } from '../../src/ensemble/combine-tensors.js';
import { ShapeError } from '../../src/errors.js';
import { featuresFromTensors } from '../../src/squad/decode/tensors.js';
import { postprocessQaPredictions } from '../../src/squad/decode/hf.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { golden } from '../squad/decode-fixture.js';

const WINDOWS = 3; // the golden holds the combined rows of the first 3 windows
const logits = [
  [
    golden.features.slice(0, WINDOWS).map((f) => f.start_logits),
    golden.features.slice(0, WINDOWS).map((f) => f.end_logits),
  ],
  ...golden.models.map((m) => [m.slice(0, WINDOWS).map(([s]) => s), m.slice(0, WINDOWS).map(([, e]) => e)]),
] as [number[][], number[][]][];

describe.each(TEST_BACKENDS)('combineWindowTensors (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(Object.keys(golden.ensemble.combined))('%s matches numpy and leaks nothing', (name) => {
    const method = name as CombineMethod;
    const models = logits.map(([s, e]) => ({ startLogits: tf.tensor2d(s), endLogits: tf.tensor2d(e) }));
    const before = tf.memory().numTensors;
    const out = combineWindowTensors(models, {
      method,
      ...(method === 'weighted-mean-probability' ? { weights: golden.ensemble.weights } : {}),
      ...(method === 'logit-sum' ? {} : { probabilityScale: 'linear' as const }),
    });
    expect(tf.memory().numTensors).toBe(before + 2);
    const expected = golden.ensemble.combined[name]!;
    const start = out.startLogits.arraySync();
    const end = out.endLogits.arraySync();
    expected.start.forEach((row, w) =>
      row.forEach((v, i) => expect(start[w]?.[i]).toBeCloseTo(v, method === 'logit-sum' ? 4 : 6)),
    );
    expected.end.forEach((row, w) =>
      row.forEach((v, i) => expect(end[w]?.[i]).toBeCloseTo(v, method === 'logit-sum' ? 4 : 6)),
    );
    tf.dispose([out.startLogits, out.endLogits, ...models.flatMap((m) => [m.startLogits, m.endLogits])]);
  });

  it.each(Object.keys(golden.ensemble.combined))(
    '%s: log-probabilities decode to the numpy ensemble answers',
    async (name) => {
      const method = name as CombineMethod;
      const all = [
        golden.features.map((f) => [f.start_logits, f.end_logits] as [number[], number[]]),
        ...golden.models,
      ];
      const models = all.map((m) => ({
        startLogits: tf.tensor2d(m.map(([s]) => s)),
        endLogits: tf.tensor2d(m.map(([, e]) => e)),
      }));
      const offsets = tf.tensor3d(
        golden.features.map((f) =>
          Array.from({ length: f.offsets.length / 2 }, (_, t) => [
            f.offsets[2 * t] as number,
            f.offsets[2 * t + 1] as number,
          ]),
        ),
        undefined,
        'int32',
      );
      const before = tf.memory().numTensors;
      const out = combineWindowTensors(models, {
        method,
        ...(method === 'weighted-mean-probability' ? { weights: golden.ensemble.weights } : {}),
      });
      const features = await featuresFromTensors({
        ...out,
        offsets,
        exampleIndex: golden.features.map((f) => f.example_index),
      });
      tf.dispose([out.startLogits, out.endLogits]);
      expect(tf.memory().numTensors).toBe(before);
      const decoded = postprocessQaPredictions(golden.examples, features);
      expect(Object.fromEntries(decoded.predictions)).toEqual(golden.ensemble.combined[name]?.predictions);
      tf.dispose([offsets, ...models.flatMap((m) => [m.startLogits, m.endLogits])]);
    },
  );

  it('rejects models of different shapes without leaking', () => {
    const a = { startLogits: tf.zeros([2, 4]) as tf.Tensor2D, endLogits: tf.zeros([2, 4]) as tf.Tensor2D };
    const b = { startLogits: tf.zeros([2, 5]) as tf.Tensor2D, endLogits: tf.zeros([2, 5]) as tf.Tensor2D };
    const before = tf.memory().numTensors;
    expect(() => combineWindowTensors([a, b], { method: 'mean-probability' })).toThrow(ShapeError);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a.startLogits, a.endLogits, b.startLogits, b.endLogits]);
  });
});
