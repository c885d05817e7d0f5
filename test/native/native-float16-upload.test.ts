/**
 * float16 batches decoded straight into the wasm heap (src/backend/kernels/native-float16-upload.ts) against the
 * float32 values h5py/NumPy wrote (test/fixtures/io, tools/fixtures/make_fixtures.py), bit for bit; the stored-bits
 * read it relies on; and the refusal of bits where the store moves the layer axis on read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, initBackend, openStore } from '../../src/index.node.js';
import { float16Upload } from '../../src/backend/float16-upload.js';
import { uploadedBatches } from '../../src/data/dataset-tf.js';
import { Float16Decoder } from '../../src/store/float16.js';
import { nativeKernelStatus } from '../../src/platform/native.js';

const IO = join(import.meta.dirname, '..', 'fixtures', 'io');
const STORE = join(IO, 'store_f16.h5');
const expected = new Float32Array(
  new Uint8Array(readFileSync(join(IO, 'expected', 'hidden_state_activations.bin'))).buffer,
);
const PER_EXAMPLE = 3 * 4 * 2;

describe('stored float16 bits', () => {
  it('read into a Uint16Array: the halves whose float32 values h5py wrote', async () => {
    const store = await openStore(STORE);
    expect(store.float16Bits).toBe(true);
    const bits = (await store.readIndices(
      store.activations,
      [3, 0, 4],
      new Uint16Array(3 * PER_EXAMPLE),
    )) as Uint16Array;
    const decoded = new Float32Array(bits.length);
    const decoder = new Float16Decoder(1, false); // the portable decoder, checked against NumPy in test/store
    decoder.reserve(bits.byteLength);
    decoder.input(0, bits.byteLength).set(new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength));
    decoder.decode(0, bits.length, decoded);
    [3, 0, 4].forEach((example, i) =>
      expect(Array.from(decoded.subarray(i * PER_EXAMPLE, (i + 1) * PER_EXAMPLE))).toEqual(
        Array.from(expected.subarray(example * PER_EXAMPLE, (example + 1) * PER_EXAMPLE)),
      ),
    );
    await store.close();
  });

  it('are refused, with a typed error naming the file, where the layer axis moves on read', async () => {
    const store = await openStore(join(IO, 'activations.npy'), { layerAxis: 2, deliver: 'layers-last' });
    expect(store.float16Bits).toBe(false);
    const read = store.read(store.activations, 0, 1, new Uint16Array(PER_EXAMPLE));
    await expect(read).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(read).rejects.toThrow(/activations\.npy/);
    await store.close();
  });
});

describe.skipIf(!nativeKernelStatus().loaded)('float16 decoded into the wasm heap', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('gives the tensors of the float32 path, bit for bit, and leaks nothing', async () => {
    expect(float16Upload('wasm')).toBeDefined();
    const store = await openStore(STORE);
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    for await (const batch of uploadedBatches(store, { batchSize: 2, shuffle: { seed: 3 }, prefetch: 1 })) {
      const got = batch.xs.dataSync() as Float32Array;
      expect(batch.xs.shape).toEqual([batch.indices.length, 3, 4, 2]);
      batch.indices.forEach((example, i) =>
        expect(new Uint32Array(got.buffer, got.byteOffset + i * PER_EXAMPLE * 4, PER_EXAMPLE)).toEqual(
          new Uint32Array(expected.buffer, example * PER_EXAMPLE * 4, PER_EXAMPLE),
        ),
      );
      seen.push(...batch.indices);
      batch.xs.dispose();
    }
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(tf.memory().numTensors).toBe(before);
    await store.close();
  });
});
