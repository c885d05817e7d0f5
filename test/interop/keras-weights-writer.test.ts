/**
 * saveKerasWeights writes atomically: an existing file is replaced only by a complete one, a failed write leaves the
 * old file and no temporary file behind. (Whether Keras reads the output is checked from Python in CI:
 * tools/golden/interop.py --verify-ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { readKerasWeights, saveKerasWeights } from '../../src/interop/keras-weights.js';
import { getArchitecture } from '../../src/models/index.js';
import { useBackend } from '../helpers/backends.js';

let dir = '';

describe('saveKerasWeights', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'bv-keras-write-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces an existing file with the Keras 2 layout (layer_names, weight_names)', async () => {
    const path = join(dir, 'head.h5');
    await writeFile(path, 'old');
    const model = getArchitecture('tenney-small').build({ inputShape: [1, 8, 3], compile: false });
    const report = await saveKerasWeights(model, path);
    expect(report.layers).toEqual(['bert_concat', 'head']);
    expect(report.values).toBe(3 + 1 + 8 * 2 + 2);
    const file = await readKerasWeights(path);
    expect(file.format).toBe('keras2');
    expect(file.layers.map((l) => [l.name, l.weights.map((w) => [w.name, w.shape])])).toEqual([
      [
        'bert_concat',
        [
          ['bert_concat/weights:0', [3]],
          ['bert_concat/probes:0', [1]],
        ],
      ],
      [
        'head',
        [
          ['head/kernel:0', [8, 2]],
          ['head/bias:0', [2]],
        ],
      ],
    ]);
    expect(Array.from(file.layers[0]!.weights[1]!.values)).toEqual([1]);
    expect((await readdir(dir)).sort()).toEqual(['head.h5']);
    model.dispose();
  });

  it('a model without weights: an InvalidArgumentError, the old file untouched, no temporary file', async () => {
    const path = join(dir, 'keep.h5');
    await writeFile(path, 'keep me');
    const input = tf.input({ shape: [3, 2] });
    const empty = tf.model({ inputs: input, outputs: tf.layers.flatten().apply(input) as tf.SymbolicTensor });
    await expect(saveKerasWeights(empty, path)).rejects.toThrow(InvalidArgumentError);
    expect(await readFile(path, 'utf8')).toBe('keep me');
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});
