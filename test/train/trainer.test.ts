import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError, MismatchError } from '../../src/errors.js';
import { CheckpointDirectory } from '../../src/jobs/checkpoint-directory.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint-format.js';
import { crc32 } from '../../src/train/crc32.js';
import { getOptimizerState, setOptimizerState } from '../../src/train/optimizer-state.js';
import { fit } from '../../src/train/trainer.js';
import { initialTrainerState } from '../../src/train/trainer-state.js';
import { useBackend } from '../helpers/backends.js';
import { ToyBatchSource, toyModel, weightValues } from './toy.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bv-train-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  await useBackend('cpu');
});
afterEach(() => {
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe('optimizer state', () => {
  it('restores Adam exactly, including its private running powers of beta', async () => {
    const source = new ToyBatchSource();
    const reference = toyModel();
    const interrupted = toyModel();
    for (const model of [reference, interrupted]) {
      for await (const b of source.batches(0)) await model.trainOnBatch(b.xs, b.ys);
    }
    const state = await getOptimizerState(interrupted.optimizer);
    expect(state.map((s) => s.name)).toContain('__optimizer_private__/accBeta1');
    const resumed = toyModel();
    resumed.setWeights(interrupted.getWeights());
    await setOptimizerState(resumed.optimizer, state);
    tf.dispose(state.map((s) => s.tensor));
    for (const model of [reference, resumed]) {
      for await (const b of source.batches(1)) await model.trainOnBatch(b.xs, b.ys);
    }
    expect(weightValues(resumed)).toEqual(weightValues(reference));
  });
});

describe('checkpoint format', () => {
  async function sampleBytes(): Promise<Uint8Array> {
    const model = toyModel();
    const chunks = await encodeCheckpoint({
      state: initialTrainerState('fp'),
      modelWeights: model.weights.map((w) => ({ name: w.name, tensor: w.read() })),
      optimizerState: [{ name: 'iter', tensor: tf.scalar(3, 'int32') }],
    });
    return new Uint8Array(Buffer.concat(chunks)); // a plain copy, not a view into Node's buffer pool
  }

  it('round-trips weights and state, also from a view into a larger buffer', async () => {
    const inner = await sampleBytes();
    const padded = new Uint8Array(inner.length + 16);
    padded.set(inner, 16);
    const bytes = padded.subarray(16);
    const decoded = decodeCheckpoint(bytes, 'x.ckpt');
    expect(decoded.state.fingerprint).toBe('fp');
    expect(decoded.modelWeights).toHaveLength(4);
    expect(Array.from(decoded.optimizerState[0]!.tensor.dataSync())).toEqual([3]);
    tf.dispose([...decoded.modelWeights, ...decoded.optimizerState].map((t) => t.tensor));
  });

  it('rejects truncation, corruption, bad magic and absurd header lengths with the file named', async () => {
    const bytes = await sampleBytes();
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 5), 'a.ckpt')).toThrow(
      /a\.ckpt: checkpoint fails its CRC-32 check/,
    );
    const flipped = bytes.slice();
    flipped[flipped.length - 7]! ^= 0xff;
    expect(() => decodeCheckpoint(flipped, 'b.ckpt')).toThrow(/CRC-32/);
    expect(() => decodeCheckpoint(new Uint8Array(20), 'c.ckpt')).toThrow(FileFormatError);
    const huge = bytes.slice();
    new DataView(huge.buffer).setUint32(8, 0xfffffff0, true);
    const body = huge.length - 4;
    new DataView(huge.buffer).setUint32(body, crc32(huge.subarray(0, body)), true);
    expect(() => decodeCheckpoint(huge, 'd.ckpt')).toThrow(/runs past the end/);
  });

  it('covers the header with the CRC: a hand-edited trainer state is refused', async () => {
    const bytes = await sampleBytes();
    const text = new TextDecoder().decode(bytes);
    const at = text.indexOf('"epoch":');
    expect(at).toBeGreaterThan(0);
    const edited = bytes.slice();
    const digit = at + '"epoch":'.length;
    edited[digit] = edited[digit] === 0x39 ? 0x38 : edited[digit]! + 1;
    expect(() => decodeCheckpoint(edited, 'e.ckpt')).toThrow(/e\.ckpt: checkpoint fails its CRC-32 check/);
    const v1 = bytes.slice();
    v1.set(new TextEncoder().encode('BVCKPT01'), 0);
    expect(() => decodeCheckpoint(v1, 'f.ckpt')).toThrow(/checkpoint format 1 .* no longer read/);
  });
});

describe('fit', () => {
  async function uninterrupted(epochs: number): Promise<number[][]> {
    const model = toyModel();
    await fit(model, { train: new ToyBatchSource(), epochs });
    return weightValues(model);
  }

  it('resumes after a crash mid-epoch to bit-identical weights, with no tensor leak', async () => {
    const expected = await uninterrupted(3);
    const store = new CheckpointDirectory(tempDir());
    const crashing = toyModel();
    await expect(
      fit(crashing, {
        train: new ToyBatchSource(40, 8, 12, 12),
        epochs: 3,
        checkpoints: store,
        checkpointEverySteps: 2,
      }),
    ).rejects.toThrow('simulated crash');
    const resumed = toyModel();
    const baseline = tf.memory().numTensors;
    const result = await fit(resumed, {
      train: new ToyBatchSource(),
      epochs: 3,
      checkpoints: store,
      checkpointEverySteps: 2,
    });
    expect(result.resumedFrom).toBe(store.pathOf('last'));
    expect(result.state.step).toBe(15);
    expect(weightValues(resumed)).toEqual(expected);
    // What remains is the optimizer's first and second moment per weight: no leaked batch or checkpoint tensor.
    expect(tf.memory().numTensors - baseline).toBe(2 * resumed.weights.length);
  });

  it('refuses a checkpoint of another model', async () => {
    const store = new CheckpointDirectory(tempDir());
    await fit(toyModel(), { train: new ToyBatchSource(), epochs: 1, checkpoints: store });
    await expect(fit(toyModel(1, 10), { train: new ToyBatchSource(), epochs: 2, checkpoints: store })).rejects.toThrow(
      MismatchError,
    );
  });

  it('refuses a resume with another run identity, listing each difference', async () => {
    const store = new CheckpointDirectory(tempDir());
    const identity = { batchSize: 8, learningRate: 0.01, seed: 0, shuffle: 'full', store: { path: '/a.h5', crc: 1 } };
    await fit(toyModel(), { train: new ToyBatchSource(), epochs: 1, checkpoints: store, runIdentity: identity });
    const other = { ...identity, learningRate: 0.02, shuffle: 'none', store: { path: '/b.h5', crc: 1 } };
    const error = await fit(toyModel(), {
      train: new ToyBatchSource(),
      epochs: 2,
      checkpoints: store,
      runIdentity: other,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MismatchError);
    expect(String(error)).toContain(
      'refusing to resume (3 difference(s)): learningRate: 0.01 in the checkpoint, 0.02 now; ' +
        'shuffle: "full" in the checkpoint, "none" now; ' +
        'store: {"crc":1,"path":"/a.h5"} in the checkpoint, {"crc":1,"path":"/b.h5"} now',
    );
    const same = await fit(toyModel(), {
      train: new ToyBatchSource(),
      epochs: 2,
      checkpoints: store,
      runIdentity: identity,
    });
    expect(same.resumedFrom).toBe(store.pathOf('last'));
  });

  it('stops early on a dev metric, keeps the best checkpoint and reports history', async () => {
    const store = new CheckpointDirectory(tempDir());
    const scores = [0.5, 0.7, 0.65, 0.69, 0.9];
    const model = toyModel();
    const result = await fit(model, {
      train: new ToyBatchSource(),
      epochs: 5,
      checkpoints: store,
      evaluate: async (_m, epoch) => ({ f1: scores[epoch - 1]! }),
      monitor: { metric: 'f1', mode: 'max' },
      patience: 2,
    });
    expect(result.state.stopped).toBe(true);
    expect(result.state.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(result.state.best).toEqual({ metric: 'f1', value: 0.7, epoch: 2 });
    const best = decodeCheckpoint(readFileSync(store.pathOf('best')), 'best');
    expect(best.state.epoch).toBe(2);
    tf.dispose([...best.modelWeights, ...best.optimizerState].map((t) => t.tensor));
    // A stopped run stays stopped when resumed.
    const again = await fit(toyModel(), {
      train: new ToyBatchSource(),
      epochs: 5,
      checkpoints: store,
      monitor: { metric: 'f1' },
      patience: 2,
    });
    expect(again.state.history).toHaveLength(4);
  });

  it('stops on a non-finite loss (NaN in the data) and leaves the last checkpoint as it was', async () => {
    const store = new CheckpointDirectory(tempDir());
    await fit(toyModel(), { train: new ToyBatchSource(), epochs: 1, checkpoints: store });
    const before = readFileSync(store.pathOf('last'));
    // The second epoch's order is (i·11 + 3) mod 40: example 0 comes at position 7, in its first batch (step 5 + 1).
    const poisoned = new ToyBatchSource(40, 8, 12, null, 0);
    await expect(fit(toyModel(), { train: poisoned, epochs: 2, checkpoints: store })).rejects.toThrow(
      /training loss is NaN at epoch 2, batch 1 \(step 6\)/,
    );
    expect(readFileSync(store.pathOf('last')).equals(before)).toBe(true);
  });

  it('names the file when the last checkpoint is corrupt', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'last.ckpt'), 'garbage');
    await expect(
      fit(toyModel(), { train: new ToyBatchSource(), epochs: 1, checkpoints: new CheckpointDirectory(dir) }),
    ).rejects.toThrow(/last\.ckpt: not a bertvision checkpoint/);
  });
});

describe('withSeededRandom', () => {
  it('makes builder initialisation a function of the seed, and restores Math.random', async () => {
    const { withSeededRandom } = await import('../../src/data/random.js');
    const { buildSpanAdapter } = await import('../../src/models/index.js');
    const original = Math.random;
    const build = (seed: number) =>
      withSeededRandom(seed, () => buildSpanAdapter('adapter-64', { inputShape: [6, 8, 3], adapterDim: 4 }));
    const [a, b, c] = [build(7), build(7), build(8)];
    expect(Math.random).toBe(original);
    expect(weightValues(a)).toEqual(weightValues(b));
    expect(weightValues(a)).not.toEqual(weightValues(c));
  });
});
