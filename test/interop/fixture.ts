/**
 * Reader of test/fixtures/interop/cases.json (written by tools/golden/interop.py with tf-keras, Keras 3, the
 * tensorflowjs converter and torch) and helpers to compare bertvision's outputs with the recorded ones.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { getArchitecture, type ArchitectureName } from '../../src/models/index.js';

/** Where the interop fixtures live. */
export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'interop');

/** One seed head saved by Keras in several ways, with Keras' outputs on `input`. */
export interface InteropCase {
  task: 'binary' | 'span';
  inputShape: [number, number, number];
  adapterDim: number | null;
  batch: number;
  input: number[];
  outputs: number[][];
  files: { keras2Weights: string; keras2Model?: string; keras3Weights?: string; keras3Model?: string; tfjs?: string };
}

/** The whole fixture. */
export interface InteropFixture {
  tolerance: number;
  cases: Record<ArchitectureName, InteropCase>;
  torch: { file: string; inputShape: [number, number, number]; batch: number; input: number[]; outputs: number[][] };
  bad: { truncated: string; missingWeightsMember: string };
}

/** The parsed fixture. */
export function readInteropFixture(): InteropFixture {
  return JSON.parse(readFileSync(join(FIXTURES, 'cases.json'), 'utf8')) as InteropFixture;
}

/** Absolute path of a fixture file. */
export function fixturePath(relative: string): string {
  return join(FIXTURES, relative);
}

/** The registry head for `name` at the case's size (uncompiled). */
export function buildFor(name: ArchitectureName, c: InteropCase): tf.LayersModel {
  return getArchitecture(name).build({
    inputShape: c.inputShape,
    ...(c.adapterDim === null ? {} : { adapterDim: c.adapterDim }),
    compile: false,
  });
}

/** Largest |got − expected| over every output. */
export function maxDifference(got: tf.Tensor | tf.Tensor[], expected: number[][]): number {
  const outs = Array.isArray(got) ? got : [got];
  expect(outs.length).toBe(expected.length);
  let worst = 0;
  outs.forEach((t, i) => {
    const values = t.dataSync();
    const want = expected[i]!;
    expect(values.length).toBe(want.length);
    for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs((values[j] ?? Number.NaN) - want[j]!));
  });
  return Number.isNaN(worst) ? Number.POSITIVE_INFINITY : worst;
}

/** Predict the case's input with `model` and check every output is within the fixture's tolerance. */
export function expectOutputs(model: tf.LayersModel, c: InteropCase, tolerance: number): number {
  const x = tf.tensor(c.input, [c.batch, ...c.inputShape]);
  const y = model.predict(x) as tf.Tensor | tf.Tensor[];
  const diff = maxDifference(y, c.outputs);
  tf.dispose([x, y]);
  expect(diff).toBeLessThanOrEqual(tolerance);
  return diff;
}
