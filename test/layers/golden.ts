/**
 * Test helper: the Keras/TF golden values of tools/golden/layers.py (test/fixtures/golden/layers.json), and small
 * utilities to compare tensors with them and to take gradients of the fixture's loss `sum(output · R)`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

/** A tensor as the generator writes it: shape plus flat row-major float32 values. */
export interface EncodedTensor {
  shape: number[];
  data: number[];
}

/** One golden case; which fields are present depends on the layer. */
export interface LayerCase {
  args?: Record<string, unknown>;
  params?: number;
  input: EncodedTensor;
  weights?: Record<string, EncodedTensor>;
  mixWeights?: EncodedTensor;
  output?: EncodedTensor;
  R?: EncodedTensor;
  grads?: Record<string, EncodedTensor>;
  [extra: string]: unknown;
}

interface LayersFixture {
  generator: string;
  cases: Record<string, LayerCase>;
}

const path = fileURLToPath(new URL('../fixtures/golden/layers.json', import.meta.url));
const fixture = JSON.parse(readFileSync(path, 'utf8')) as LayersFixture;

/** The golden case `name` (throws if the fixture lacks it, so a renamed case cannot silently skip a test). */
export function goldenCase(name: string): LayerCase {
  const c = fixture.cases[name];
  if (c === undefined) throw new Error(`golden case '${name}' missing from ${path}`);
  return c;
}

/** A field of a case that the test needs. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`golden fixture: missing ${what}`);
  return value;
}

/** An encoded tensor as a tfjs tensor. */
export function toTensor(t: EncodedTensor): tf.Tensor {
  return tf.tensor(t.data, t.shape, 'float32');
}

/** Largest absolute elementwise difference; shapes must match. */
export function maxAbsDiff(actual: tf.Tensor, expected: EncodedTensor): number {
  if (JSON.stringify(actual.shape) !== JSON.stringify(expected.shape)) {
    throw new Error(`shape [${actual.shape.join(', ')}] != expected [${expected.shape.join(', ')}]`);
  }
  const values = actual.dataSync();
  let worst = 0;
  expected.data.forEach((v, i) => {
    worst = Math.max(worst, Math.abs((values[i] ?? Number.NaN) - v));
  });
  return Number.isNaN(worst) ? Number.POSITIVE_INFINITY : worst;
}

/** The fixture's loss `sum(output · R)`. */
export function goldenLoss(output: tf.Tensor, r: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(output, r));
}

/**
 * Gradients of `sum(layer(x) · R)` with respect to each trainable weight of `layer` (by weight short name, e.g.
 * `'weights'`, `'probes'`, `'kernel'`) and, when `withInput`, to `x` (key `'input'`). The caller disposes them.
 */
export function layerGradients(
  layer: tf.layers.Layer,
  x: tf.Tensor,
  r: tf.Tensor,
  withInput: boolean,
): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  if (variables.length > 0) {
    const { value, grads } = tf.variableGrads(() => goldenLoss(layer.apply(x) as tf.Tensor, r), variables);
    value.dispose();
    layer.trainableWeights.forEach((w, i) => {
      const grad = grads[(variables[i] as tf.Variable).name];
      if (grad !== undefined) out[w.originalName.split('/').pop() ?? w.originalName] = grad;
    });
  }
  if (withInput) out['input'] = tf.grad((xx: tf.Tensor) => goldenLoss(layer.apply(xx) as tf.Tensor, r))(x);
  return out;
}
