/**
 * The seed's torch AP_SQuAD head (safetensors state dict written by tools/golden/interop.py with torch) loads into
 * bertvision's span adapter head with the erf GELU and predicts torch's start/end logits within 1e-5; saving it back
 * writes the same keys and shapes; wrong files are typed errors naming the file and the key.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError, InvalidArgumentError, WeightsMismatchError } from '../../src/errors.js';
import {
  buildSafetensorsHeader,
  parseSafetensorsHeader,
  safetensorsHeaderLength,
} from '../../src/store/safetensors/header.js';
import { loadTorchSpanHead, saveTorchStateDict } from '../../src/interop/torch-span-head.js';
import { getArchitecture } from '../../src/models/index.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { fixturePath, maxDifference, readInteropFixture } from './fixture.js';

const fixture = readInteropFixture();
const t = fixture.torch;
let dir = '';

describe('torch AP_SQuAD ↔ bertvision span head', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'bv-torch-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(TEST_BACKENDS)(
    "loads and predicts torch's start/end logits (erf GELU, S = A) on %s, leaking no tensor",
    async (backend) => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const { model, inputShape, adapterDim, notes } = await loadTorchSpanHead(fixturePath(t.file));
      expect(inputShape).toEqual(t.inputShape);
      expect(adapterDim).toBe(t.inputShape[0]);
      expect(notes.join('\n')).toMatch(/linear2.*ignored/);
      expect(model.getLayer('adapter_pooler').getConfig()['activation']).toBe('gelu');
      const x = tf.tensor(t.input, [t.batch, ...t.inputShape]);
      const y = model.predict(x) as tf.Tensor[];
      expect(maxDifference(y, t.outputs)).toBeLessThanOrEqual(fixture.tolerance);
      tf.dispose([x, ...y]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      await useBackend('cpu');
    },
  );

  it('the tanh GELU would not match: the erf option matters', async () => {
    const { model } = await loadTorchSpanHead(fixturePath(t.file));
    const tanh = getArchitecture('adapter-386').build({
      inputShape: t.inputShape,
      adapterDim: t.inputShape[0],
      compile: false,
    });
    tanh.setWeights(model.getWeights());
    const x = tf.tensor(t.input, [t.batch, ...t.inputShape]);
    const y = tanh.predict(x) as tf.Tensor[];
    expect(maxDifference(y, t.outputs)).toBeGreaterThan(1e-5);
    tf.dispose([x, ...y]);
    model.dispose();
    tanh.dispose();
  });

  it("saveTorchStateDict writes the seed's keys and shapes; it reloads to the same outputs", async () => {
    const { model } = await loadTorchSpanHead(fixturePath(t.file));
    const out = join(dir, 'copy.safetensors');
    await saveTorchStateDict(model, out);
    const bytes = await readFile(out);
    const header = parseSafetensorsHeader(
      bytes.subarray(8, 8 + safetensorsHeaderLength(bytes, bytes.length, out)),
      bytes.length,
      out,
    );
    expect(Object.fromEntries([...header.tensors].map(([name, e]) => [name, e.shape]))).toEqual({
      'AP1.pooler_layer.module.weight': [6, 16],
      'AP1.pooler_layer.module.bias': [6],
      'linear1.weight': [2, 30],
      'linear1.bias': [2],
      'linear2.weight': [2, 6],
      'linear2.bias': [2],
    });
    const again = await loadTorchSpanHead(out);
    const x = tf.tensor(t.input, [t.batch, ...t.inputShape]);
    const y = again.model.predict(x) as tf.Tensor[];
    expect(maxDifference(y, t.outputs)).toBeLessThanOrEqual(fixture.tolerance);
    tf.dispose([x, ...y]);
    model.dispose();
    again.model.dispose();
  });

  it('refuses heads torch cannot hold', async () => {
    const tanh = getArchitecture('adapter-386').build({ inputShape: [6, 16, 5], adapterDim: 6, compile: false });
    await expect(saveTorchStateDict(tanh, join(dir, 'x.safetensors'))).rejects.toThrow(InvalidArgumentError);
    await expect(saveTorchStateDict(tanh, join(dir, 'x.safetensors'))).rejects.toThrow(/exact erf form/);
    const pooled = getArchitecture('learned-pooling').build({ inputShape: [6, 16, 5], compile: false });
    await expect(saveTorchStateDict(pooled, join(dir, 'x.safetensors'))).rejects.toThrow(/span adapter head/);
    tanh.dispose();
    pooled.dispose();
  });

  it('a state dict of another model: a WeightsMismatchError naming the file and the key', async () => {
    const { bytes, offsets } = buildSafetensorsHeader(
      [{ name: 'classifier.weight', dtype: 'float32', shape: [2, 3] }],
      {},
    );
    const data = new Uint8Array(bytes.length + 24);
    data.set(bytes);
    expect(offsets.get('classifier.weight')).toBe(bytes.length);
    const path = join(dir, 'other.safetensors');
    await writeFile(path, data);
    const error = (await loadTorchSpanHead(path).catch((e: unknown) => e)) as WeightsMismatchError;
    expect(error).toBeInstanceOf(WeightsMismatchError);
    expect(error.file).toBe(path);
    expect(error.layer).toBe('AP1.pooler_layer.module.weight');
    expect(error.differences).toContain("key 'classifier.weight' is not part of the seed's AP_SQuAD head");
    const truncated = join(dir, 'truncated.safetensors');
    await writeFile(truncated, data.subarray(0, 12));
    await expect(loadTorchSpanHead(truncated)).rejects.toThrow(FileFormatError);
  });
});
