/**
 * Faulting in the wasm heap ahead of the first training step (native/src/heap_pages.cc `populateWritable`,
 * src/backend/wasm-heap-prefault.ts). The kernel is the outside reference: /proc/self/smaps counts the populated
 * pages as resident, and the bytes already there read back unchanged. The estimate is checked against its definition
 * worked by hand, and a training step with the pre-faulting running beside it against one without.
 */
import { platform, release } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PREFAULT_ENV_VAR, prefaultWasmHeap, trainingHeapEstimate } from '../../src/backend/wasm-heap-prefault.js';
import { getArchitecture } from '../../src/models/registry.js';
import { nativeAddon, nativeKernelStatus } from '../../src/platform/native.js';
import { prefaultAllowed } from '../../src/platform/native-env.js';
import { useBackend } from '../helpers/backends.js';
import { freshMemory, residentBytesAt } from '../helpers/proc-maps.js';

const MiB = 2 ** 20;

/** Linux 5.14 or later: the first with MADV_POPULATE_WRITE. */
function populateWriteOffered(): boolean {
  if (platform() !== 'linux') return false;
  const [major = 0, minor = 0] = release().split('.').map(Number);
  return major > 5 || (major === 5 && minor >= 14);
}

const populate = (memory: ArrayBuffer, offset: number, bytes: number): Promise<number> => {
  const fn = nativeAddon()?.populateHeap;
  if (!fn) throw new Error('the loaded addon has no populateHeap');
  return fn(memory, offset, bytes);
};

describe('BERTVISION_PREFAULT', () => {
  it.each(['0', 'false', 'OFF', ' no '])('%j turns it off', (value) => {
    expect(prefaultAllowed(value, () => expect.unreachable())).toBe(false);
  });
  it.each([undefined, '', '1', 'true', 'On', 'yes'])('%j leaves it on', (value) => {
    expect(prefaultAllowed(value, () => expect.unreachable())).toBe(true);
  });
});

describe('trainingHeapEstimate', () => {
  it('counts every layer output for the batch and four copies of the trainable weights, in float32 bytes', () => {
    const input = tf.input({ shape: [4] });
    const hidden = tf.layers.dense({ units: 3 }).apply(input) as tf.SymbolicTensor;
    const output = tf.layers.dense({ units: 2 }).apply(hidden) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    // outputs per example: input 4 + hidden 3 + output 2 = 9; trainable weights: 4·3 + 3 + 3·2 + 2 = 23
    expect(trainingHeapEstimate(model, 10)).toBe(4 * (10 * 9 + 4 * 23));
    model.layers[1]!.trainable = false; // frozen weights have no gradient or moments
    expect(trainingHeapEstimate(model, 10)).toBe(4 * (10 * 9 + 4 * 8));
    model.dispose();
  });
});

describe.skipIf(!nativeKernelStatus().loaded || !populateWriteOffered())('populateHeap', () => {
  it('makes the pages resident and leaves their contents as they were', async () => {
    const { memory, start } = freshMemory(1024); // 64 MiB committed, only the first page touched
    const bytes = new Uint8Array(memory.buffer);
    const marks = [1, 4096 * 3 + 17, 20 * MiB + 5, 40 * MiB - 1];
    marks.forEach((at, i) => (bytes[at] = 200 + i));
    const before = residentBytesAt(start);
    expect(before).toBeLessThan(8 * MiB);
    const populated = await populate(memory.buffer, 0, 48 * MiB);
    expect(populated).toBe(48 * MiB);
    expect(residentBytesAt(start)).toBeGreaterThanOrEqual(48 * MiB);
    expect(marks.map((at) => bytes[at])).toEqual([200, 201, 202, 203]);
    expect(bytes[48 * MiB - 1]).toBe(0);
  });

  it('rounds an unaligned range inwards to whole pages and populates nothing of an empty one', async () => {
    const { memory } = freshMemory(16);
    expect(await populate(memory.buffer, 100, 3 * 4096)).toBe(2 * 4096);
    expect(await populate(memory.buffer, 4096, 0)).toBe(0);
  });

  it('refuses a range outside the memory and a non-buffer, not a crash', () => {
    const { memory } = freshMemory(16);
    const fn = nativeAddon()!.populateHeap as unknown as (...args: unknown[]) => Promise<number>;
    expect(() => fn(memory.buffer, 0, 2 * MiB)).toThrow(/populateHeap: the range is outside the memory/);
    expect(() => fn(memory.buffer, -1, 10)).toThrow(/outside the memory/);
    expect(() => fn('not a buffer', 0, 10)).toThrow(/populateHeap: expected an ArrayBuffer/);
  });
});

describe.skipIf(!nativeKernelStatus().loaded || !populateWriteOffered())('prefaultWasmHeap on the wasm backend', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => {
    delete process.env[PREFAULT_ENV_VAR];
  });

  it("populates a block of tfjs-wasm's heap while live tensors keep their values", async () => {
    const live = tf.range(0, 1 << 16, 1, 'float32');
    const expected = Array.from({ length: 1 << 16 }, (_, i) => i);
    const populated = prefaultWasmHeap(64 * MiB);
    const after = tf.add(live, 1); // allocations go on while the pages fault in
    expect(await populated).toBeGreaterThanOrEqual(64 * MiB - 8192);
    expect(Array.from(live.dataSync())).toEqual(expected);
    expect(Array.from(after.dataSync())).toEqual(expected.map((v) => v + 1));
    tf.dispose([live, after]);
  });

  it('does nothing when turned off, on another backend, or for nothing to do', async () => {
    process.env[PREFAULT_ENV_VAR] = 'off';
    expect(await prefaultWasmHeap(MiB)).toBe(0);
    delete process.env[PREFAULT_ENV_VAR];
    expect(await prefaultWasmHeap(MiB, 'no-such-backend')).toBe(0);
    expect(await prefaultWasmHeap(0)).toBe(0);
    expect(await prefaultWasmHeap(Number.NaN)).toBe(0);
  });

  it('trains a seed head to the same weights with the pre-faulting running beside its first steps', async () => {
    const shape: [number, number, number] = [1, 64, 5];
    const xs = tf.randomNormal([8, ...shape], 0, 1, 'float32', 3);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1, 0, 0, 1], 'int32'), 2).toFloat();
    const train = async (prefault: boolean): Promise<number[][]> => {
      const model = getArchitecture('xception-abbreviated').build({ inputShape: shape });
      model.setWeights(model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.05, 'float32', 50 + i)));
      const populated = prefault ? prefaultWasmHeap(trainingHeapEstimate(model, 8)) : Promise.resolve(0);
      for (let step = 0; step < 3; step++) await model.trainOnBatch(xs, ys);
      if (prefault) expect(await populated).toBeGreaterThan(0);
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return weights;
    };
    const reference = await train(false);
    expect(await train(true)).toEqual(reference);
    tf.dispose([xs, ys]);
  });
});
