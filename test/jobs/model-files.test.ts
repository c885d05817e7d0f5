/**
 * saveModel / loadModel: the standard tfjs layout (model.json + weights.bin) without tfjs-node, bit-exact round trips
 * for every architecture on every test backend, atomic replacement, and typed errors for broken directories.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileAccessError, FileFormatError, InUseError, InvalidArgumentError } from '../../src/errors.js';
import { ARCHITECTURE_NAMES, architectureOf, compileAdapter, getArchitecture } from '../../src/models/index.js';
import { createDirectoryAtomically } from '../../src/platform/atomic-dir.js';
import { loadModel, MODEL_JSON, saveModel, WEIGHTS_BIN } from '../../src/jobs/model-files.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

const BINARY_SMALL = [1, 16, 6] as const;
const SPAN_SMALL = [8, 16, 5] as const;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bertvision-model-files-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function smallModel(name: string, cnnWidth = 48): tf.LayersModel {
  const info = getArchitecture(name);
  const inputShape = name.startsWith('xception')
    ? ([1, cnnWidth, 6] as const)
    : info.task === 'binary'
      ? BINARY_SMALL
      : SPAN_SMALL;
  return info.build({ inputShape, ...(info.defaultAdapterDim === null ? {} : { adapterDim: 4 }) });
}

function outputsOf(model: tf.LayersModel, x: tf.Tensor): Float32Array[] {
  const y = model.predict(x) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(y) ? y : [y];
  const values = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(y);
  return values;
}

describe.each(TEST_BACKENDS)('saveModel/loadModel on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(ARCHITECTURE_NAMES.map((n) => [n]))('%s round-trips with identical predictions', async (name) => {
    const model = smallModel(name);
    const x = tf.randomNormal([3, ...(model.inputs[0]?.shape.slice(1) as number[])], 0, 1, 'float32', 7);
    const expected = outputsOf(model, x);
    const dir = join(root, backend, name);
    const info = await saveModel(model, dir);
    expect((await stat(join(dir, WEIGHTS_BIN))).size).toBe(info.weightBytes);
    const loaded = await loadModel(dir);
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    expect(architectureOf(loaded)).toEqual(architectureOf(model));
    const got = outputsOf(loaded, x);
    got.forEach((values, i) =>
      expect(Buffer.from(values.buffer).equals(Buffer.from((expected[i] as Float32Array).buffer))).toBe(true),
    );
    tf.dispose(x);
    model.dispose();
    loaded.dispose();
  });

  // The CNNs train on both backends (on wasm through bertvision's convolution gradient kernels); their backward pass
  // is slow on cpu: a narrow input (width 12) and 3 steps keep it to a few seconds.
  const trainable = [
    'tenney-small',
    'adapter-pooler-tenney',
    'adapter-64-unshared-skip',
    'learned-pooling-adapter-386-skip',
    'xception-abbreviated-cls',
  ];
  it.each(trainable.map((n) => [n]))(
    'a reloaded %s compiles with the seed defaults and keeps training',
    async (name) => {
      const isCnn = name.startsWith('xception');
      const model = smallModel(name, 12);
      const dir = join(root, backend, `train-${name}`);
      await saveModel(model, dir);
      model.dispose();
      const loaded = compileAdapter(await loadModel(dir));
      const shape = loaded.inputs[0]?.shape.slice(1) as number[];
      const x = tf.randomNormal([6, ...shape], 0, 1, 'float32', 3);
      const task = architectureOf(loaded)?.task;
      const labels =
        task === 'binary'
          ? tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1, 0], 'int32'), 2)
          : [
              tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32'), shape[0] as number),
              tf.oneHot(tf.tensor1d([1, 2, 3, 4, 5, 6], 'int32'), shape[0] as number),
            ];
      const losses: number[] = [];
      for (let step = 0; step < (isCnn ? 3 : 8); step++) {
        const result = await loaded.trainOnBatch(x, labels);
        losses.push(Array.isArray(result) ? (result[0] as number) : result);
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses.at(-1) as number).toBeLessThan(losses[0] as number);
      await saveModel(loaded, dir); // a compiled, trained model (custom loss function) still saves
      tf.dispose([x, labels]);
      loaded.dispose();
    },
  );
});

describe('model directory layout', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('writes the standard tfjs layout that the browser loader (tf.io.http) reads', async () => {
    const model = smallModel('adapter-386-skip');
    const dir = join(root, 'layout');
    await saveModel(model, dir);
    expect((await readdir(dir)).sort()).toEqual([MODEL_JSON, WEIGHTS_BIN]);
    const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.trainingConfig).toBeUndefined(); // compiled with a loss function: tfjs could not serialise it
    expect(json.generatedBy).toMatch(/^TensorFlow\.js tfjs-layers v4\./);
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual([WEIGHTS_BIN]);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toContain('adapter_pooler/kernel');
    expect(json.userDefinedMetadata.bertvision.architecture).toBe('adapter-386-skip');
    const fetchFunc = (async (url: string | URL | Request): Promise<Response> =>
      new Response(
        await readFile(join(dir, new URL(String(url)).pathname.split('/').at(-1) as string)),
      )) as typeof fetch;
    const viaHttp = await tf.loadLayersModel('http://example.invalid/m/model.json', { fetchFunc });
    const x = tf.ones([1, ...SPAN_SMALL]);
    expect(outputsOf(viaHttp, x)).toEqual(outputsOf(model, x));
    tf.dispose(x);
    viaHttp.dispose();
    model.dispose();
  });

  it('replaces an existing model only as a whole and leaves no temporary files', async () => {
    const dir = join(root, 'replace', 'model');
    const first = smallModel('learned-pooling');
    await saveModel(first, dir);
    const second = smallModel('learned-pooling');
    await saveModel(second, dir);
    expect(await readdir(join(root, 'replace'))).toEqual(['model']);
    const loaded = await loadModel(dir);
    const x = tf.ones([1, ...SPAN_SMALL]);
    expect(outputsOf(loaded, x)).toEqual(outputsOf(second, x));
    tf.dispose(x);
    [first, second, loaded].forEach((m) => m.dispose());
  });

  it('leaves nothing when filling a new directory fails midway', async () => {
    const dir = join(root, 'crash', 'model');
    await mkdir(join(root, 'crash'), { recursive: true });
    const fill = async (temp: string): Promise<void> => {
      await writeFile(join(temp, WEIGHTS_BIN), new Uint8Array(10));
      throw new Error('disk full');
    };
    await expect(createDirectoryAtomically(dir, fill)).rejects.toThrow('disk full');
    expect(await readdir(join(root, 'crash'))).toEqual([]);
  });

  it('creates model directories with the mode the umask gives (not 0700)', async () => {
    const model = smallModel('tenney-small');
    const dir = join(root, 'mode', 'model');
    const previous = process.umask(0o022);
    try {
      await saveModel(model, dir);
    } finally {
      process.umask(previous);
    }
    expect((await stat(dir)).mode & 0o777).toBe(0o755);
    expect((await stat(join(dir, MODEL_JSON))).mode & 0o777).toBe(0o644);
    model.dispose();
  });

  it('gives a second concurrent save of the same path an InUseError and leaves no debris', async () => {
    const model = smallModel('tenney-small');
    const dir = join(root, 'in-use', 'model');
    const results = await Promise.allSettled([saveModel(model, dir), saveModel(model, dir)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failure.reason).toBeInstanceOf(InUseError);
    expect(failure.reason.code).toBe('E_IN_USE');
    expect(await readdir(join(root, 'in-use'))).toEqual(['model']);
    expect((await readdir(dir)).sort()).toEqual([MODEL_JSON, WEIGHTS_BIN]);
    model.dispose();
  });

  it('loads a save interrupted after its commit point, and the next save restores the standard layout', async () => {
    const first = smallModel('learned-pooling');
    const second = smallModel('learned-pooling');
    const dir = join(root, 'interrupted', 'model');
    await saveModel(first, dir);
    // The state a kill between "model.json -> weights.next.bin" and "weights.bin rewritten" leaves.
    const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8'));
    json.weightsManifest[0].paths = ['weights.next.bin'];
    await writeFile(join(dir, 'weights.next.bin'), await readFile(join(dir, WEIGHTS_BIN)));
    await writeFile(join(dir, WEIGHTS_BIN), new Uint8Array(3));
    await writeFile(join(dir, MODEL_JSON), JSON.stringify(json));
    await writeFile(join(root, 'interrupted', '.model.tmp-1-dead'), 'debris');
    const x = tf.ones([1, ...SPAN_SMALL]);
    const loaded = await loadModel(dir);
    expect(outputsOf(loaded, x)).toEqual(outputsOf(first, x));
    await saveModel(second, dir);
    expect((await readdir(dir)).sort()).toEqual([MODEL_JSON, WEIGHTS_BIN]);
    expect(await readdir(join(root, 'interrupted'))).toEqual(['model']);
    const reloaded = await loadModel(dir);
    expect(outputsOf(reloaded, x)).toEqual(outputsOf(second, x));
    tf.dispose(x);
    [first, second, loaded, reloaded].forEach((m) => m.dispose());
  });

  it('puts back a model an older bertvision left swapped out in .<name>.old-*, then saves', async () => {
    const first = smallModel('tenney-small');
    const second = smallModel('tenney-small');
    const parent = join(root, 'legacy');
    await saveModel(first, join(parent, '.model.old-abc123', 'model'));
    await saveModel(second, join(parent, 'model'));
    expect(await readdir(parent)).toEqual(['model']);
    [first, second].forEach((m) => m.dispose());
  });

  it('refuses to replace a file or a directory that is not a saved model', async () => {
    const model = smallModel('tenney-small');
    const notModel = join(root, 'precious');
    await mkdir(notModel, { recursive: true });
    await writeFile(join(notModel, 'notes.txt'), 'keep me');
    await expect(saveModel(model, notModel)).rejects.toThrow(/not a saved model; refusing to replace it/);
    await expect(saveModel(model, join(notModel, 'notes.txt'))).rejects.toThrow(InvalidArgumentError);
    await expect(saveModel(model, join(notModel, 'notes.txt', 'model'))).rejects.toThrow(
      /cannot create the parent directory/,
    );
    expect(await readFile(join(notModel, 'notes.txt'), 'utf8')).toBe('keep me');
    model.dispose();
  });
});

describe('loadModel errors', () => {
  let dir: string;
  beforeAll(async () => {
    await useBackend('cpu');
    const model = smallModel('learned-pooling-adapter-386');
    dir = join(root, 'errors-source');
    await saveModel(model, dir);
    model.dispose();
  });

  async function broken(name: string, edit: (copy: string) => Promise<void>): Promise<string> {
    const copy = join(root, 'broken', name);
    await mkdir(copy, { recursive: true });
    for (const f of [MODEL_JSON, WEIGHTS_BIN]) await writeFile(join(copy, f), await readFile(join(dir, f)));
    await edit(copy);
    return copy;
  }

  it('names a missing directory and a missing model.json', async () => {
    await expect(loadModel(join(root, 'nope'))).rejects.toThrow(InvalidArgumentError);
    await expect(loadModel(join(root, 'nope'))).rejects.toThrow(/nope: no such model directory/);
    const empty = join(root, 'empty');
    await mkdir(empty, { recursive: true });
    await expect(loadModel(empty)).rejects.toThrow(FileAccessError);
    await expect(loadModel(empty)).rejects.toThrow(/model\.json: missing model\.json/);
  });

  it('reports bad JSON and a manifest that is not a tfjs manifest', async () => {
    const badJson = await broken('bad-json', (c) => writeFile(join(c, MODEL_JSON), '{"modelTopology": '));
    await expect(loadModel(badJson)).rejects.toThrow(/model\.json: not valid JSON/);
    const escape = await broken('escape', async (c) => {
      const json = JSON.parse(await readFile(join(c, MODEL_JSON), 'utf8'));
      json.weightsManifest[0].paths = ['../errors-source/weights.bin'];
      await writeFile(join(c, MODEL_JSON), JSON.stringify(json));
    });
    await expect(loadModel(escape)).rejects.toThrow(/weightsManifest must be/);
  });

  it('reports weight data shorter or longer than the manifest, and a missing weight file', async () => {
    const size = (await stat(join(dir, WEIGHTS_BIN))).size;
    const short = await broken('short', (c) => truncate(join(c, WEIGHTS_BIN), size - 4));
    await expect(loadModel(short)).rejects.toThrow(
      new RegExp(
        `weights\\.bin: weight data is ${size - 4} bytes but model\\.json describes ${size} bytes \\(truncated\\)`,
      ),
    );
    const long = await broken('long', (c) => writeFile(join(c, WEIGHTS_BIN), new Uint8Array(size + 8)));
    await expect(loadModel(long)).rejects.toThrow(/too long/);
    const missing = await broken('missing', (c) => rm(join(c, WEIGHTS_BIN)));
    await expect(loadModel(missing)).rejects.toThrow(
      /weights\.bin: cannot read the weight file listed in model\.json: no such file or directory/,
    );
  });

  it('rejects weights holding NaN, naming the weight', async () => {
    const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8'));
    const specs = json.weightsManifest[0].weights as { name: string; shape: number[] }[];
    const headIndex = specs.findIndex((w) => w.name === 'head/kernel');
    const floatsBefore = specs.slice(0, headIndex).reduce((n, w) => n + w.shape.reduce((p, d) => p * d, 1), 0);
    const nan = await broken('nan', async (c) => {
      const data = await readFile(join(c, WEIGHTS_BIN));
      data.writeFloatLE(Number.NaN, 4 * (floatsBefore + 3));
      await writeFile(join(c, WEIGHTS_BIN), data);
    });
    await expect(loadModel(nan)).rejects.toThrow(/model\.json: weight 'head\/kernel' holds NaN at flat index 3/);
  });

  it('names an unknown layer class and how bertvision registers its own', async () => {
    const unknown = await broken('unknown-class', async (c) => {
      const text = await readFile(join(c, MODEL_JSON), 'utf8');
      await writeFile(join(c, MODEL_JSON), text.replace('"class_name":"AdapterPooler"', '"class_name":"FancyPooler"'));
    });
    const error = await loadModel(unknown).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileFormatError);
    expect(String(error)).toMatch(/unknown layer class\(es\) 'FancyPooler'.*import 'bertvision'/);
  });
});
