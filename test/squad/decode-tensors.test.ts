/** Decoding from tf.js tensors: same answers as from arrays, no tensor leaks, shape errors. */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { decodeLegacyArgmax } from '../../src/squad/decode/legacy.js';
import { featuresFromTensors } from '../../src/squad/decode/tensors.js';
import { postprocessQaPredictions } from '../../src/squad/decode/hf.js';
import { useBackend } from '../helpers/backends.js';
import { golden } from './decode-fixture.js';

describe('featuresFromTensors', () => {
  beforeAll(() => useBackend('cpu'));
  const held: tf.Tensor[] = [];
  afterEach(() => held.splice(0).forEach((t) => t.dispose()));
  const windows = () => {
    const f = golden.features;
    const s = f[0]?.start_logits.length as number;
    const t = {
      startLogits: tf.tensor2d(
        f.flatMap((x) => x.start_logits),
        [f.length, s],
      ),
      endLogits: tf.tensor2d(
        f.flatMap((x) => x.end_logits),
        [f.length, s],
      ),
      offsets: tf.tensor3d(
        f.flatMap((x) => x.offsets),
        [f.length, s, 2],
        'int32',
      ),
      exampleIndex: tf.tensor1d(
        f.map((x) => x.example_index),
        'int32',
      ),
    };
    held.push(t.startLogits, t.endLogits, t.offsets, t.exampleIndex);
    return t;
  };

  it('decodes like the Python reference and leaks no tensors', async () => {
    const input = windows();
    const before = tf.memory().numTensors;
    const features = await featuresFromTensors(input);
    const result = postprocessQaPredictions(golden.examples, features);
    const legacy = decodeLegacyArgmax(golden.examples, features);
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.fromEntries(result.predictions)).toEqual(golden.decoded.defaults?.predictions);
    expect(Object.fromEntries(result.nullOdds)).toEqual(golden.decoded.defaults?.null_odds);
    expect(Object.fromEntries([...legacy].map(([k, v]) => [k, v.text]))).toEqual(
      Object.fromEntries(Object.entries(golden.legacy).map(([k, v]) => [k, v.text])),
    );
  });

  it('casts other dtypes and disposes the cast', async () => {
    const input = windows();
    const asInt = tf.cast(input.offsets, 'float32');
    held.push(asInt);
    const before = tf.memory().numTensors;
    const features = await featuresFromTensors({
      ...input,
      offsets: asInt,
      exampleIndex: golden.features.map((f) => f.example_index),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.fromEntries(postprocessQaPredictions(golden.examples, features).predictions)).toEqual(
      golden.decoded.defaults?.predictions,
    );
  });

  it('rejects shapes that disagree', async () => {
    const input = windows();
    const wrong = tf.zeros([2, 3]);
    held.push(wrong);
    await expect(featuresFromTensors({ ...input, endLogits: wrong })).rejects.toThrow(ShapeError);
    await expect(featuresFromTensors({ ...input, exampleIndex: [0] })).rejects.toThrow(
      /exampleIndex must have 23 entries/,
    );
    await expect(featuresFromTensors({ ...input, offsets: wrong })).rejects.toThrow(/offsets must be/);
  });
});
