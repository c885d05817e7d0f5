/**
 * loadKerasModel: whole seed heads saved by tf-keras (`model.save('x.h5')`), Keras 3 (`.keras`) and converted by
 * tensorflowjs give Keras' outputs within 1e-5, the seed's silent AdapterPooler arguments are inferred and said;
 * heads made of layers only load with plain tf.loadLayersModel once bertvision is imported.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../../src/errors.js';
import '../../src/index.node.js';
import { loadKerasModel } from '../../src/interop/keras-model.js';
import type { ArchitectureName } from '../../src/models/index.js';
import { useBackend } from '../helpers/backends.js';
import { expectOutputs, fixturePath, readInteropFixture } from './fixture.js';

const fixture = readInteropFixture();
const cases = Object.entries(fixture.cases) as [ArchitectureName, (typeof fixture.cases)[ArchitectureName]][];

describe('loadKerasModel', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it.each(cases.filter(([, c]) => c.files.keras2Model))('%s: tf-keras model.save .h5', async (_name, c) => {
    const { model, source, notes } = await loadKerasModel(fixturePath(c.files.keras2Model!));
    expect(source).toBe('keras-h5');
    expectOutputs(model, c, fixture.tolerance);
    if (c.adapterDim !== null)
      expect(notes.join('\n')).toMatch(/AdapterPooler.*inferred (sharedWeights=true|activation)/);
    model.dispose();
  });

  it.each(cases.filter(([, c]) => c.files.keras3Model))(
    '%s: Keras 3 .keras archive, leaking no tensor',
    async (_name, c) => {
      const before = tf.memory().numTensors;
      const { model, source } = await loadKerasModel(fixturePath(c.files.keras3Model!));
      expect(source).toBe('keras-archive');
      expectOutputs(model, c, fixture.tolerance);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it.each(cases.filter(([, c]) => c.files.tfjs))('%s: tensorflowjs_converter output (model.json)', async (_name, c) => {
    const { model, source } = await loadKerasModel(fixturePath(c.files.tfjs!));
    expect(source).toBe('tfjs-converter');
    expectOutputs(model, c, fixture.tolerance);
    model.dispose();
  });

  it('the unshared adapter: sharedWeights comes from the saved config, adapterDim too', async () => {
    const c = fixture.cases['adapter-64-unshared'];
    const { model, notes } = await loadKerasModel(fixturePath(c.files.keras2Model!));
    expect(notes).toEqual([
      "layer 'adapter_pooler' (AdapterPooler): the saved config does not record activation (the seed's layer has no get_config); " +
        "inferred activation=gelu_tanh (the seed's TensorFlow GELU) from the kernel shape [5, 16, 3]",
    ]);
    model.dispose();
  });

  it('a weights-only file and an archive without its weights: FileFormatErrors naming the file', async () => {
    const weightsOnly = fixturePath(fixture.cases['tenney-small'].files.keras2Weights);
    await expect(loadKerasModel(weightsOnly)).rejects.toThrow(FileFormatError);
    await expect(loadKerasModel(weightsOnly)).rejects.toThrow(/no 'model_config'.*loadKerasWeights/);
    const archive = fixturePath(fixture.bad.missingWeightsMember);
    await expect(loadKerasModel(archive)).rejects.toThrow(
      `${archive}: member 'model.weights.h5': missing from the archive`,
    );
  });
});

describe('tf.loadLayersModel on tensorflowjs converter output, with bertvision imported', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('tenney-small (BertConcat → Flatten → Dense) loads with plain tfjs and predicts what Keras does', async () => {
    const c = fixture.cases['tenney-small'];
    const dir = fixturePath(c.files.tfjs!);
    const model = await tf.loadLayersModel({
      load: async () => {
        const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
        return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
          const buffers = await Promise.all(
            manifest.flatMap((g) => g.paths).map(async (p) => (await readFile(join(dir, p))).buffer as ArrayBuffer),
          );
          return [manifest.flatMap((g) => g.weights), tf.io.CompositeArrayBuffer.join(buffers)];
        });
      },
    });
    expect(model.layers.map((l) => l.getClassName())).toContain('BertConcat');
    expectOutputs(model, c, fixture.tolerance);
    model.dispose();
  });
});
