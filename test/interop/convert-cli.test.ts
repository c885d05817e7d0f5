/**
 * `bertvision convert`: the seed's files (a weights-only .h5 with --architecture, a whole-model .h5, a torch state
 * dict) become bertvision model directories that predict Keras' / torch's outputs, and convert back to files the
 * seed's code reads (checked from Python by tools/golden/interop.py --verify-ts in CI); usage errors exit 2.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKerasWeights } from '../../src/interop/keras-weights.js';
import { loadTorchSpanHead } from '../../src/interop/torch-span-head.js';
import { loadModel } from '../../src/jobs/model-files.js';
import { useBackend } from '../helpers/backends.js';
import { cli } from '../helpers/cli.js';
import { buildFor, expectOutputs, fixturePath, maxDifference, readInteropFixture } from './fixture.js';

const fixture = readInteropFixture();
let dir = '';

describe('bertvision convert', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'bv-convert-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--help shows the examples', async () => {
    const { code, out } = await cli(['convert', '--help']);
    expect(code).toBe(0);
    expect(out).toMatch(/Examples:\n {2}bertvision convert weights_best_models/);
  });

  it('a weights-only .h5 with --architecture → model dir → .h5 again', async () => {
    const c = fixture.cases['adapter-64-skip'];
    const out = join(dir, 'a64');
    const r = await cli([
      'convert',
      fixturePath(c.files.keras2Weights),
      out,
      '--architecture',
      'adapter-64-skip',
      '--input-shape',
      c.inputShape.join(','),
      '--adapter-dim',
      String(c.adapterDim),
    ]);
    expect(r.err).toMatch(/note: layer names differ/);
    expect(r.code).toBe(0);
    const model = await loadModel(out);
    expectOutputs(model, c, fixture.tolerance);
    const back = join(dir, 'a64.h5');
    expect((await cli(['convert', out, back])).code).toBe(0);
    const again = buildFor('adapter-64-skip', c);
    await loadKerasWeights(again, back);
    expectOutputs(again, c, fixture.tolerance);
    model.dispose();
    again.dispose();
  });

  it('a whole-model .h5 and a torch state dict, in and out', async () => {
    const c = fixture.cases['learned-pooling-adapter-386'];
    const r = await cli(['convert', fixturePath(c.files.keras2Model!), join(dir, 'lpa')]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/note: layer 'adapter_pooler' \(AdapterPooler\)/);
    const model = await loadModel(join(dir, 'lpa'));
    expectOutputs(model, c, fixture.tolerance);
    model.dispose();
    const t = fixture.torch;
    expect((await cli(['convert', fixturePath(t.file), join(dir, 'ap')])).code).toBe(0);
    expect((await cli(['convert', join(dir, 'ap'), join(dir, 'ap.safetensors')])).code).toBe(0);
    const { model: head } = await loadTorchSpanHead(join(dir, 'ap.safetensors'));
    const x = tf.tensor(t.input, [t.batch, ...t.inputShape]);
    const y = head.predict(x) as tf.Tensor[];
    expect(maxDifference(y, t.outputs)).toBeLessThanOrEqual(fixture.tolerance);
    tf.dispose([x, ...y]);
    head.dispose();
  });

  it('usage and file errors: exit 2 / 1 with one line naming the problem', async () => {
    const weightsOnly = fixturePath(fixture.cases['tenney-small'].files.keras2Weights);
    const noArch = await cli(['convert', weightsOnly, join(dir, 'x')]);
    expect(noArch.code).toBe(2);
    expect(noArch.err).toMatch(/weights only.*--architecture/);
    const noShape = await cli(['convert', weightsOnly, join(dir, 'x'), '--architecture', 'tenney-small']);
    expect(noShape.code).toBe(2);
    const wrong = await cli([
      'convert',
      weightsOnly,
      join(dir, 'x'),
      '--architecture',
      'adapter-pooler-tenney',
      '--input-shape',
      '1,16,6',
      '--adapter-dim',
      '4',
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain(weightsOnly);
    expect(wrong.err).toMatch(/the file has 2 layers with weights/);
    const bad = await cli(['convert', fixturePath(fixture.bad.missingWeightsMember), join(dir, 'y')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/member 'model.weights.h5': missing/);
  });
});
