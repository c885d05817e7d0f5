/**
 * geluTanh and geluErf against TensorFlow's `tf.nn.gelu(approximate=True/False)` and their gradients
 * (tools/golden/layers.py), on cpu and wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { geluErf, geluTanh } from '../../src/layers/index.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { goldenCase, maxAbsDiff, need, toTensor, type EncodedTensor } from './golden.js';

describe.each(TEST_BACKENDS)('GELU on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each([
    ['tanh', geluTanh],
    ['erf', geluErf],
  ] as const)('gelu (%s) and its gradient match tf.nn.gelu on [-5, 5]', (key, fn) => {
    const c = goldenCase('gelu');
    const x = toTensor(c.input);
    const before = tf.memory().numTensors;
    const y = fn(x);
    const dy = tf.grad((xx: tf.Tensor) => fn(xx))(x);
    expect(maxAbsDiff(y, need(c[key] as EncodedTensor | undefined, key))).toBeLessThan(1e-5);
    expect(maxAbsDiff(dy, need(c[`${key}Grad`] as EncodedTensor | undefined, `${key}Grad`))).toBeLessThan(1e-4);
    tf.dispose([y, dy]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('the two forms differ (so the tests can tell them apart) but by less than 1e-3', () => {
    const x = tf.linspace(-3, 3, 13);
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(geluTanh(x), geluErf(x)))).dataSync()[0] as number);
    expect(gap).toBeGreaterThan(1e-5);
    expect(gap).toBeLessThan(1e-3);
    x.dispose();
  });
});
