/**
 * loadKerasWeights: every seed head saved by tf-keras `save_weights` (Keras 2 layout, the seed's default layer names,
 * so layers pair by position) and by Keras 3 (`.weights.h5`, `.keras`) gives Keras' outputs within 1e-5; files for
 * another architecture, a truncated file and an archive without its weights are typed errors naming file and layer.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError, WeightsMismatchError } from '../../src/errors.js';
import { loadKerasWeights } from '../../src/interop/keras-weights.js';
import type { ArchitectureName } from '../../src/models/index.js';
import { useBackend } from '../helpers/backends.js';
import { buildFor, expectOutputs, fixturePath, readInteropFixture } from './fixture.js';

const fixture = readInteropFixture();
const cases = Object.entries(fixture.cases) as [ArchitectureName, (typeof fixture.cases)[ArchitectureName]][];

describe('loadKerasWeights', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it.each(cases)('%s: Keras 2 save_weights .h5 (seed layer names, matched by position)', async (name, c) => {
    const model = buildFor(name, c);
    const before = tf.memory().numTensors;
    const report = await loadKerasWeights(model, fixturePath(c.files.keras2Weights));
    expect(tf.memory().numTensors).toBe(before);
    expect(report.format).toBe('keras2');
    expectOutputs(model, c, fixture.tolerance);
    model.dispose();
  });

  it.each(cases.filter(([, c]) => c.files.keras2Model))(
    '%s: the weights of a whole-model Keras 2 .h5',
    async (name, c) => {
      const model = buildFor(name, c);
      await loadKerasWeights(model, fixturePath(c.files.keras2Model!));
      expectOutputs(model, c, fixture.tolerance);
      model.dispose();
    },
  );

  it.each(cases.filter(([, c]) => c.files.keras3Weights))('%s: Keras 3 .weights.h5 and .keras', async (name, c) => {
    for (const file of [c.files.keras3Weights!, c.files.keras3Model!]) {
      const model = buildFor(name, c);
      const report = await loadKerasWeights(model, fixturePath(file));
      expect(report.format).toBe('keras3');
      expectOutputs(model, c, fixture.tolerance);
      model.dispose();
    }
  });

  it('pairs by name when the names agree, and says so when it falls back to positions', async () => {
    const c = fixture.cases['learned-pooling'];
    const model = buildFor('learned-pooling', c);
    const report = await loadKerasWeights(model, fixturePath(c.files.keras2Weights));
    expect(report.matchedBy).toBe('position');
    expect(report.notes.join(' ')).toMatch(/dense → head/);
    model.dispose();
  });

  it('a file for another architecture: a WeightsMismatchError naming the file and the layer', async () => {
    const c = fixture.cases['adapter-64'];
    const model = buildFor('adapter-64-unshared', c);
    const file = fixturePath(c.files.keras2Weights);
    const error = await loadKerasWeights(model, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsMismatchError);
    const mismatch = error as WeightsMismatchError;
    expect(mismatch.file).toBe(file);
    expect(mismatch.layer).toBe('adapter_pooler');
    expect(mismatch.differences.join('\n')).toMatch(
      /'adapter_pooler\/kernel:0' is \[16, 3\] in the file, 'adapter_pooler\/kernel' is \[5, 16, 3\] in the model/,
    );
    model.dispose();
  });

  it('a layer count that differs lists both sides', async () => {
    const c = fixture.cases['tenney-small'];
    const model = buildFor('adapter-pooler-tenney', { ...c, adapterDim: 4 });
    const error = (await loadKerasWeights(model, fixturePath(c.files.keras2Weights)).catch(
      (e: unknown) => e,
    )) as WeightsMismatchError;
    expect(error).toBeInstanceOf(WeightsMismatchError);
    expect(error.message).toMatch(
      /the file has 2 layers with weights \(bert_concat, dense\), the model 3 \(bert_concat, adapter_pooler, head\)/,
    );
    model.dispose();
  });

  it('forced matching by name lists the missing and the extra layers', async () => {
    const c = fixture.cases['tenney-small'];
    const model = buildFor('tenney-small', c);
    const error = (await loadKerasWeights(model, fixturePath(c.files.keras2Weights), { matching: 'name' }).catch(
      (e: unknown) => e,
    )) as WeightsMismatchError;
    expect(error.differences).toEqual([
      "layer 'head' (Dense, 2 weights) is not in the file",
      "the file's layer 'dense' (2 weights) is not in the model",
    ]);
    model.dispose();
  });

  it('a truncated file and a .keras archive without its weights: FileFormatErrors naming the file', async () => {
    const c = fixture.cases['adapter-64'];
    const truncated = fixturePath(fixture.bad.truncated);
    const model = buildFor('adapter-64', c);
    const e1 = (await loadKerasWeights(model, truncated).catch((e: unknown) => e)) as FileFormatError;
    expect(e1).toBeInstanceOf(FileFormatError);
    expect(e1.file).toBe(truncated);
    expect(e1.message).toMatch(/truncated: the file is \d+ bytes, its HDF5 superblock says \d+/);
    const archive = fixturePath(fixture.bad.missingWeightsMember);
    const e2 = (await loadKerasWeights(model, archive).catch((e: unknown) => e)) as FileFormatError;
    expect(e2).toBeInstanceOf(FileFormatError);
    expect(e2.file).toBe(archive);
    expect(e2.message).toMatch(/member 'model.weights.h5': missing from the archive \(members: .*config.json/);
    model.dispose();
  });
});
