/**
 * Python → TS interop: stores written by h5py / numpy / safetensors (tools/fixtures/make_fixtures.py) are read
 * bit-exactly, in every container, dtype, compression and layout, whole and in parts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MismatchError, openStore } from '../../src/index.node.js';
import { bytesOf, expectedBytes, FIXTURES, manifest } from './fixtures.js';

const label = (s: (typeof manifest.stores)[number]): string =>
  `${s.path} ${s.options ? JSON.stringify(s.options) : ''}`;

describe.each(manifest.stores.map((s) => [label(s), s] as const))('%s', (_, fixture) => {
  // native: memory-mapped reads and native float16 decoding (when the addon is built); simd: the WebAssembly decoder
  it.each([
    [true, true],
    [false, true],
    [false, false],
  ])('reads every tensor bit-exactly (native %s, simd %s)', async (native, simd) => {
    const store = await openStore(join(FIXTURES, fixture.path), { ...fixture.options, simd, native });
    try {
      expect(store.container).toBe(fixture.container);
      for (const [name, t] of Object.entries(fixture.tensors)) {
        expect(store.tensors[name]).toEqual({ shape: t.shape, dtype: t.dtype });
        const whole = await store.read(name, 0, t.shape[0]!);
        expect(bytesOf(whole)).toEqual(expectedBytes(t));
      }
    } finally {
      await store.close();
    }
  });

  it.each([true, false])('reads parts and index lists like slices of the whole (native %s)', async (native) => {
    const store = await openStore(join(FIXTURES, fixture.path), { ...fixture.options, native });
    try {
      for (const [name, t] of Object.entries(fixture.tensors)) {
        const n = t.shape[0]!;
        const all = expectedBytes(t);
        const per = all.length / n;
        const part = await store.read(name, 1, n - 2);
        expect(bytesOf(part)).toEqual(all.subarray(per, (n - 1) * per));
        const order = [n - 1, 0, 1, 2, n - 1];
        const picked = await store.readIndices(name, order);
        const want = new Uint8Array(order.flatMap((i) => [...all.subarray(i * per, (i + 1) * per)]));
        expect(bytesOf(picked)).toEqual(want);
      }
    } finally {
      await store.close();
    }
  });

  it('exposes the metadata', async () => {
    const store = await openStore(join(FIXTURES, fixture.path), fixture.options);
    try {
      if (fixture.metadata) {
        expect(store.metadata).toEqual({
          ...manifest.metadata,
          dtype: fixture.metadata_dtype ?? manifest.metadata.dtype,
        });
        store.checkMetadata({ model_id: manifest.metadata.model_id, channels: manifest.metadata.channels });
        expect(() => store.checkMetadata({ max_seq_length: 384 })).toThrow(MismatchError);
      } else {
        expect(store.metadata).toBeUndefined();
        expect(() => store.checkMetadata({ max_seq_length: 384 })).toThrow(/no bertvision metadata/);
      }
    } finally {
      await store.close();
    }
  });
});
