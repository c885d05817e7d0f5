/**
 * Property: at any size (S, E, L, A) every head has exactly the parameter count the spec's formulas give
 * (§1.1 BertConcat L + 1, §1.4 AdapterPooler E·A + A or L·(E·A + A), heads Dense(2) on the flattened features).
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARCHITECTURE_NAMES, type ArchitectureName, countParameters, getArchitecture } from '../../src/models/index.js';
import { useBackend } from '../helpers/backends.js';

interface Size {
  s: number;
  e: number;
  l: number;
  a: number;
}

const dense2 = (inputs: number): number => inputs * 2 + 2;
const mix = ({ l }: Size): number => l + 1;
const shared = ({ e, a }: Size): number => e * a + a;
/** Xception Abbreviated at the seed size minus its first conv (3·26·64) and head (512·2 + 2). */
const XCEPTION_ABBREVIATED_BODY = 267_010 - 3 * 26 * 64 - 1_026;

const formulas: Partial<Record<ArchitectureName, (z: Size) => number>> = {
  'tenney-small': (z) => mix(z) + dense2(z.s * z.e),
  'adapter-pooler-tenney': (z) => mix(z) + shared(z) + dense2(z.s * (z.a + z.e)),
  'adapter-pooler-mean': (z) => shared(z) + dense2(z.s * (z.a + z.e)),
  'xception-abbreviated': (z) => 3 * z.l * 64 + XCEPTION_ABBREVIATED_BODY + dense2(512),
  'xception-abbreviated-cls': (z) => 3 * z.l * 64 + XCEPTION_ABBREVIATED_BODY + dense2(512 + z.s * z.e),
  'learned-pooling': (z) => mix(z) + dense2(z.e),
  'average-pooling': (z) => dense2(z.e),
  'adapter-386': (z) => shared(z) + dense2(z.a * z.l),
  'adapter-386-skip': (z) => shared(z) + dense2(z.a * z.l + z.e),
  'adapter-386-unshared': (z) => z.l * shared(z) + dense2(z.a * z.l),
  'adapter-386-unshared-skip': (z) => z.l * shared(z) + dense2(z.a * z.l + z.e),
  'learned-pooling-adapter-386': (z) => mix(z) + shared(z) + dense2(z.a),
  'learned-pooling-adapter-386-skip': (z) => mix(z) + shared(z) + dense2(z.a + z.e),
};
for (const width of ['386', '64'] as const) {
  for (const variant of ['', '-skip', '-unshared', '-unshared-skip'] as const) {
    formulas[`adapter-${width}${variant}` as ArchitectureName] = formulas[`adapter-386${variant}`];
  }
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe('parameter counts follow the spec formulas at any size', () => {
  it('has a formula for every architecture but the full Xception', () => {
    expect(Object.keys(formulas).sort()).toEqual(ARCHITECTURE_NAMES.filter((n) => n !== 'xception').sort());
  });

  it.each(Object.keys(formulas).map((n) => [n as ArchitectureName]))('%s', (name) => {
    const info = getArchitecture(name);
    const formula = formulas[name] as (z: Size) => number;
    const size = fc.record({
      s: info.task === 'binary' ? fc.integer({ min: 1, max: 3 }) : fc.integer({ min: 1, max: 12 }),
      e: fc.integer({ min: 9, max: 48 }),
      l: fc.integer({ min: 1, max: 9 }),
      a: fc.integer({ min: 1, max: 10 }),
    });
    const before = tf.memory().numTensors;
    fc.assert(
      fc.property(size, (z) => {
        const model = info.build({
          inputShape: [z.s, z.e, z.l],
          ...(info.defaultAdapterDim === null ? {} : { adapterDim: z.a }),
          compile: false,
        });
        const total = countParameters(model).total;
        model.dispose();
        return total === formula(z);
      }),
      { numRuns: name.startsWith('xception') ? 5 : 25, seed: 2026 },
    );
    expect(tf.memory().numTensors).toBe(before); // every model disposed its weights
  });
});
