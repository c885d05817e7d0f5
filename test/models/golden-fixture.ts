/**
 * Reader of test/fixtures/golden/models.json (written by tools/golden/models.py with Keras) and the seeded LCG that
 * regenerates its weights: the fixture stores seeds, not weights.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import type { ArchitectureName, ParameterCount } from '../../src/models/index.js';

/** How one weight was filled: `offset + scale · (abs ? |u| : u)`, u from the LCG seeded with `seed`. */
export interface WeightSpec {
  layer: string;
  index: number;
  name: string;
  shape: number[];
  seed: number;
  scale: number;
  offset: number;
  abs: boolean;
}

/** One small model evaluated by Keras. */
export interface GoldenCase {
  architecture: ArchitectureName;
  task: 'binary' | 'span';
  inputShape: [number, number, number];
  adapterDim: number | null;
  batch: number;
  weights: WeightSpec[];
  input: number[];
  labels: number[] | { start: number[]; end: number[] };
  outputs: Record<string, number[]>;
  loss: number;
  gradients: { layer: string; index: number; values: number[] }[];
}

/** The whole fixture. */
export interface ModelsFixture {
  fullSizeCounts: Record<ArchitectureName, ParameterCount>;
  cases: GoldenCase[];
}

/** Parse the committed fixture. */
export function readModelsFixture(): ModelsFixture {
  const url = new URL('../fixtures/golden/models.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as ModelsFixture;
}

/** The fixture's 32-bit LCG: `x ← (1664525·x + 1013904223) mod 2³²` before each draw; `u = (x >>> 8) / 2²³ − 1`. */
export function lcgValues(spec: WeightSpec): Float32Array {
  const n = spec.shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  let x = spec.seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(1664525, x) + 1013904223) >>> 0;
    const u = (x >>> 8) / 8388608 - 1;
    out[i] = spec.offset + spec.scale * (spec.abs ? Math.abs(u) : u);
  }
  return out;
}

/** Set every weight of `model` from the fixture's specs, checking that names and shapes line up with Keras'. */
export function setGoldenWeights(model: tf.LayersModel, specs: readonly WeightSpec[]): void {
  const byLayer = new Map<string, WeightSpec[]>();
  for (const spec of specs) byLayer.set(spec.layer, [...(byLayer.get(spec.layer) ?? []), spec]);
  const withWeights = model.layers
    .filter((l) => l.weights.length > 0)
    .map((l) => l.name)
    .sort();
  if (JSON.stringify(withWeights) !== JSON.stringify([...byLayer.keys()].sort())) {
    throw new Error(
      `layers with weights differ: bertvision ${withWeights.join(',')} vs Keras ${[...byLayer.keys()].join(',')}`,
    );
  }
  for (const [layerName, layerSpecs] of byLayer) {
    const layer = model.getLayer(layerName);
    const values = layerSpecs
      .sort((a, b) => a.index - b.index)
      .map((spec, i) => {
        const shape = layer.weights[i]?.shape;
        if (JSON.stringify(shape) !== JSON.stringify(spec.shape)) {
          throw new Error(
            `${spec.name}: Keras shape ${JSON.stringify(spec.shape)} vs bertvision ${JSON.stringify(shape)}`,
          );
        }
        return tf.tensor(lcgValues(spec), spec.shape);
      });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}
