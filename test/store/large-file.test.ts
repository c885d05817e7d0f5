/**
 * Files larger than 4 GiB: sparse files (ftruncate) with a known example written near the end, read back through
 * positional reads — offsets past 2^32 must not wrap and nothing may read the whole file.
 */
import { open, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNpyHeader, buildSafetensorsHeader, openStore } from '../../src/index.node.js';

const PER = 1024; // float32 values per example (4 KiB)
const N = 1_310_720 + 3; // 5 GiB + 3 examples of data
const LAST = N - 2;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bv-large-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a sparse file: `header` at 0, data region of N examples, example LAST filled with i + 0.5. */
async function sparse(path: string, header: Uint8Array, dataOffset: number): Promise<Float32Array> {
  const example = Float32Array.from({ length: PER }, (_, i) => i + 0.5);
  const handle = await open(path, 'w');
  try {
    await handle.write(header, 0, header.length, 0);
    await handle.truncate(dataOffset + N * PER * 4);
    await handle.write(new Uint8Array(example.buffer), 0, PER * 4, dataOffset + LAST * PER * 4);
  } finally {
    await handle.close();
  }
  return example;
}

describe('stores over 4 GiB (sparse files)', () => {
  it('safetensors: reads an example past 5 GiB', async () => {
    const path = join(dir, 'big.safetensors');
    const { bytes, offsets } = buildSafetensorsHeader(
      [{ name: 'hidden_state_activations', dtype: 'float32', shape: [N, PER] }],
      {},
    );
    const example = await sparse(path, bytes, offsets.get('hidden_state_activations')!);
    const store = await openStore(path);
    try {
      expect(store.numExamples).toBe(N);
      expect(await store.read('hidden_state_activations', LAST, 1)).toEqual(example);
      const tail = (await store.read('hidden_state_activations', LAST - 1, 3)) as Float32Array;
      expect(tail.subarray(0, PER).every((v) => v === 0)).toBe(true);
      expect(tail.subarray(PER, 2 * PER)).toEqual(example);
    } finally {
      await store.close();
    }
  });

  it('npy: reads an example past 5 GiB', async () => {
    const path = join(dir, 'big.npy');
    const header = buildNpyHeader('float32', [N, PER]);
    const example = await sparse(path, header, header.length);
    const store = await openStore(path);
    try {
      expect(store.tensors['hidden_state_activations']).toEqual({ shape: [N, PER], dtype: 'float32' });
      expect(await store.read('hidden_state_activations', LAST, 1)).toEqual(example);
    } finally {
      await store.close();
    }
  });
});
