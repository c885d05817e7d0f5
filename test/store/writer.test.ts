/**
 * createStoreWriter: TS-written stores read back exactly (the Python side of this direction is
 * tools/fixtures/verify_ts_stores.py, run by .ci/run); float16 rounding equals NumPy's; writes are atomic.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createStoreWriter,
  encodeFloat16,
  InUseError,
  InvalidArgumentError,
  openStore,
  ShapeError,
  type StoreArray,
} from '../../src/index.node.js';
import { storeValues } from '../../tools/fixtures/store-values.js';
import { TS_STORES, writeTsStores } from '../../tools/fixtures/write_ts_stores.js';
import { FIXTURES } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bv-writer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('float16 encoding', () => {
  it('rounds exactly like NumPy astype(float16)', () => {
    const input = new Float32Array(readFileSync(join(FIXTURES, 'expected', 'encode_in_f32.bin')).buffer.slice(0));
    const want = new Uint16Array(new Uint8Array(readFileSync(join(FIXTURES, 'expected', 'encode_out_f16.bin'))).buffer);
    const got = new Uint16Array(input.length);
    encodeFloat16(input, got);
    for (let i = 0; i < input.length; i++) {
      const isNaN16 = (h: number): boolean => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaN16(want[i]!)) expect(isNaN16(got[i]!)).toBe(true);
      else expect([i, got[i]]).toEqual([i, want[i]]);
    }
  });
});

describe('TS-written stores', () => {
  it('read back with the values written, in every format', async () => {
    await writeTsStores(dir);
    for (const spec of TS_STORES) {
      const store = await openStore(join(dir, spec.file));
      try {
        expect(store.metadata).toEqual(spec.metadata);
        for (const [name, t] of Object.entries(spec.tensors)) {
          expect(store.tensors[name]).toEqual({ shape: t.shape, dtype: t.dtype });
          const got = await store.read(name, 0, t.shape[0]!);
          const want = storeValues(t.dtype, 0, got.length);
          if (t.dtype === 'float16') {
            const values = want as Float32Array;
            (got as Float32Array).forEach((v, i) =>
              expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(Math.abs(values[i]!) * 2 ** -11),
            );
          } else expect(got).toEqual(want as StoreArray);
        }
      } finally {
        await store.close();
      }
    }
    expect((await readdir(dir)).filter((f) => f.includes('.partial'))).toEqual([]);
  });
});

describe('atomic, checked writes', () => {
  const shapes = { hidden_state_activations: [3, 2, 2], start_positions: [3] };
  const batch = (k: number) => ({
    hidden_state_activations: new Float32Array(k * 4).fill(1.5),
    start_positions: new Int32Array(k),
  });

  it.each(['safetensors', 'npy', 'hdf5'] as const)(
    '%s: nothing at the final path until finish; abort leaves nothing',
    async (format) => {
      const path = join(dir, format === 'npy' ? 'store' : `store.${format}`);
      const writer = await createStoreWriter(path, { format, shapes, dtype: 'float32' });
      await writer.append(batch(2));
      const during = (await readdir(dir)).sort();
      expect(during).toHaveLength(2);
      expect(during[0]).toMatch(/^\.store.*\.lock$/);
      expect(during[1]).toMatch(/^\.store.*\.partial-/);
      await expect(createStoreWriter(path, { format, shapes, dtype: 'float32' })).rejects.toThrow(InUseError);
      await expect(writer.finish()).rejects.toThrow(ShapeError);
      await writer.append(batch(1));
      await writer.finish();
      expect(await readdir(dir)).toEqual([format === 'npy' ? 'store' : `store.${format}`]);
      const other = await createStoreWriter(join(dir, 'other.safetensors'), { format: 'safetensors', shapes });
      await other.append(batch(1));
      await other.abort();
      expect(await readdir(dir)).toEqual([format === 'npy' ? 'store' : `store.${format}`]);
    },
  );

  it('takes over the lock and removes the partial file of a writer that was killed', async () => {
    const path = join(dir, 'killed.safetensors');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await writeFile(join(dir, '.killed.safetensors.lock'), `${dead}\n`);
    await writeFile(join(dir, `.killed.safetensors.partial-${dead}-0badc0de`), 'half a store');
    const writer = await createStoreWriter(path, { format: 'safetensors', shapes, dtype: 'float32' });
    await writer.append(batch(3));
    await writer.finish();
    expect((await readdir(dir)).filter((n) => n.includes('killed'))).toEqual(['killed.safetensors']);
  });

  it('refuses inconsistent appends and options with typed errors', async () => {
    const writer = await createStoreWriter(join(dir, 's.safetensors'), { format: 'safetensors', shapes });
    await expect(
      writer.append({ hidden_state_activations: new Float32Array(8), start_positions: new Int32Array(1) }),
    ).rejects.toThrow(ShapeError);
    await expect(
      writer.append({ hidden_state_activations: new Float32Array(4), start_positions: new Float32Array(1) as never }),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(writer.append({ hidden_state_activations: new Float32Array(4) } as never)).rejects.toThrow(
      /missing tensor 'start_positions'/,
    );
    await expect(writer.append(batch(4))).rejects.toThrow(/exceed the declared 3/);
    await writer.abort();
    await expect(createStoreWriter(join(dir, 'f.h5'), { format: 'hdf5', shapes, dtype: 'float16' })).rejects.toThrow(
      /float16/,
    );
    await expect(
      createStoreWriter(join(dir, 'x.safetensors'), {
        format: 'safetensors',
        shapes: { hidden_state_activations: [3, 2], start_positions: [4] },
      }),
    ).rejects.toThrow(ShapeError);
    await expect(createStoreWriter(join(dir, 'a.npy'), { format: 'npy', shapes })).rejects.toThrow(/single \.npy/);
    expect(await readdir(dir)).toEqual([]);
  });
});
