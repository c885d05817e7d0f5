/**
 * Bad input: every broken file gives a typed error that names the file and the problem — never a crash, a hang
 * or a huge allocation. Files are derived from the Python-written fixtures by cutting or patching bytes.
 */
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildNpyHeader,
  checkCompatible,
  FileAccessError,
  FileFormatError,
  InvalidArgumentError,
  MismatchError,
  openStore,
  ShapeError,
} from '../../src/index.node.js';
import { bytesOf, expectedBytes, FIXTURES, manifest } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bv-bad-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Asserts opening (and reading all activations of) `path` fails with `type`, naming the file and matching `problem`. */
async function expectBroken(
  path: string,
  type: new (...a: never[]) => Error,
  problem: RegExp,
  named = path,
): Promise<void> {
  const attempt = async (): Promise<void> => {
    const store = await openStore(path);
    try {
      await store.read(store.activations, 0, store.numExamples);
    } finally {
      await store.close();
    }
  };
  const error = await attempt().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toContain(named);
  expect((error as Error).message).toMatch(problem);
}

function npy(dict: string, dataBytes: number): Uint8Array {
  const header = buildNpyHeader('float32', [1]);
  const body = dict.padEnd(header.length - 11, ' ') + '\n';
  const out = new Uint8Array(header.length + dataBytes);
  out.set(header.subarray(0, 10));
  for (let i = 0; i < body.length; i++) out[10 + i] = body.charCodeAt(i);
  return out;
}

function safetensors(header: unknown, dataBytes: number, declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('npy', () => {
  it('truncated data', async () => {
    const path = join(dir, 'a.npy');
    await copyFile(join(FIXTURES, 'activations.npy'), path);
    await truncate(path, (await readFile(path)).length - 10);
    await expectBroken(path, FileFormatError, /truncated/);
  });

  it('header length past the end of the file', async () => {
    const bytes = new Uint8Array(await readFile(join(FIXTURES, 'activations.npy')));
    new DataView(bytes.buffer).setUint16(8, 60000, true);
    await writeFile(join(dir, 'b.npy'), bytes);
    await expectBroken(join(dir, 'b.npy'), FileFormatError, /header length .* past the end/);
  });

  it('unknown dtype, big-endian, overflowing shape, broken dictionary', async () => {
    const cases: [string, RegExp][] = [
      ["{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", /unsupported .npy dtype '<c8'/],
      ["{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", /unsupported .npy dtype '>f4'/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", /overflow/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", /bad shape entry/],
      ["{'descr': '<f4', 'shape': (1,), }", /no fortran_order/],
      // NumPy keeps the last of a repeated key; reading the first would read another array than NumPy does.
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'shape': (2,), }", /repeats the key 'shape'/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1, }", /has the key 'extra'/],
    ];
    for (const [i, [dict, problem]] of cases.entries()) {
      const path = join(dir, `c${i}.npy`);
      await writeFile(path, npy(dict, 4));
      await expectBroken(path, FileFormatError, problem);
    }
  });

  it('labels whose length differs from the activations', async () => {
    const store = join(dir, 'store');
    await cp(join(FIXTURES, 'store_npy'), store, { recursive: true });
    await copyFile(join(FIXTURES, 'store_npy', 'start_positions.npy'), join(store, 'start_positions.npy'));
    const labels = new Uint8Array(await readFile(join(store, 'start_positions.npy')));
    const text = new TextDecoder('latin1').decode(labels.subarray(10, 128)).replace("'shape': (5,)", "'shape': (4,)");
    for (let i = 0; i < text.length; i++) labels[10 + i] = text.charCodeAt(i);
    await writeFile(join(store, 'start_positions.npy'), labels);
    await expectBroken(store, ShapeError, /'start_positions' has 4 entries .* 5 examples/);
  });

  it('invalid metadata.json names that file', async () => {
    const store = join(dir, 'store');
    await cp(join(FIXTURES, 'store_npy'), store, { recursive: true });
    await writeFile(join(store, 'metadata.json'), '{"format": "bertvision-activations", "version": 1}');
    await expectBroken(store, FileFormatError, /'model_id' is missing/, join(store, 'metadata.json'));
  });
});

describe('safetensors', () => {
  const act = { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] };

  it('header over 100 MB, header past the end, invalid JSON', async () => {
    await writeFile(join(dir, 'a.safetensors'), safetensors({ hidden_state_activations: act }, 16, 200_000_000n));
    await expectBroken(join(dir, 'a.safetensors'), FileFormatError, /exceeds the 100 MB limit/);
    await writeFile(join(dir, 'b.safetensors'), safetensors({ hidden_state_activations: act }, 16, 5000n));
    await expectBroken(join(dir, 'b.safetensors'), FileFormatError, /runs past the end of the file/);
    const bad = safetensors({ hidden_state_activations: act }, 16);
    bad[9] = 0x7b; // '{{' is not JSON
    await writeFile(join(dir, 'c.safetensors'), bad);
    await expectBroken(join(dir, 'c.safetensors'), FileFormatError, /not valid UTF-8 JSON/);
  });

  it('overlapping, out-of-range and inconsistent offsets; unknown dtype; overflowing shape', async () => {
    const cases: [unknown, number, RegExp][] = [
      [
        { hidden_state_activations: act, start_positions: { dtype: 'I32', shape: [2], data_offsets: [8, 16] } },
        16,
        /overlapping/,
      ],
      [{ hidden_state_activations: act }, 8, /run past the end of the file/],
      [
        { hidden_state_activations: { ...act, data_offsets: [0, 12] } },
        16,
        /span 12 bytes but shape \[2, 2\] of float32 needs 16/,
      ],
      [{ hidden_state_activations: { ...act, dtype: 'C64' } }, 16, /unsupported dtype 'C64'/],
      [{ hidden_state_activations: { ...act, shape: [2 ** 40, 2 ** 40] } }, 16, /overflow/],
      [{ hidden_state_activations: { ...act, data_offsets: [16, 0] } }, 16, /invalid data_offsets/],
      [
        { __metadata__: { bertvision: 3 }, hidden_state_activations: act },
        16,
        /__metadata__ must map strings to strings/,
      ],
    ];
    for (const [i, [header, data, problem]] of cases.entries()) {
      const path = join(dir, `d${i}.safetensors`);
      await writeFile(path, safetensors(header, data));
      await expectBroken(path, FileFormatError, problem);
    }
  });

  it('truncated file', async () => {
    const path = join(dir, 's.safetensors');
    await copyFile(join(FIXTURES, 'store.safetensors'), path);
    await truncate(path, (await readFile(path)).length - 1);
    await expectBroken(path, FileFormatError, /past the end of the file/);
  });

  it('missing shard and tensors the index promises but the shard lacks', async () => {
    await cp(FIXTURES, join(dir, 'f'), { recursive: true });
    const index = join(dir, 'f', 'store.safetensors.index.json');
    const parsed = JSON.parse(await readFile(index, 'utf8')) as { weight_map: Record<string, string> };
    parsed.weight_map['ghost'] = 'store-00001-of-00002.safetensors';
    await writeFile(index, JSON.stringify(parsed));
    await expectBroken(index, FileFormatError, /maps tensor 'ghost' to this shard/, 'store-00001-of-00002.safetensors');
    await rm(join(dir, 'f', 'store-00002-of-00002.safetensors'));
    await expectBroken(index, FileAccessError, /cannot read: no such file/, 'store-00002-of-00002.safetensors');
  });
});

describe('HDF5', () => {
  it('truncated file, and a non-HDF5 file named .h5', async () => {
    const path = join(dir, 't.h5');
    await copyFile(join(FIXTURES, 'store_f16.h5'), path);
    await truncate(path, 3000);
    await expectBroken(path, FileFormatError, /./);
    await writeFile(join(dir, 'g.h5'), 'not hdf5 at all');
    await expectBroken(join(dir, 'g.h5'), FileFormatError, /extension says h5 but the content does not match/);
  });

  it('seed directory whose file names disagree with a file', async () => {
    const seed = join(dir, 'seed');
    await mkdir(seed);
    await copyFile(join(FIXTURES, 'seed_dir', '0.h5'), join(seed, '0.h5'));
    await copyFile(join(FIXTURES, 'seed_dir', '16.h5'), join(seed, '8.h5')); // holds 3 examples, names promise 8
    await copyFile(join(FIXTURES, 'seed_dir', '16.h5'), join(seed, '16.h5'));
    await expectBroken(
      seed,
      FileFormatError,
      /expected 'hidden_state_activations' float16 \[8, 3, 4, 5\]/,
      join(seed, '8.h5'),
    );
  });
});

describe('API misuse', () => {
  it('missing tensors, ranges, output arrays, nonexistent paths', async () => {
    await expect(openStore(join(FIXTURES, 'store.safetensors'), { activations: 'nope' })).rejects.toThrow(
      /missing tensor 'nope'/,
    );
    await expect(openStore(join(dir, 'absent.safetensors'))).rejects.toThrow(FileAccessError);
    const store = await openStore(join(FIXTURES, 'store.safetensors'));
    await expect(store.read('nope', 0, 1)).rejects.toThrow(InvalidArgumentError);
    await expect(store.read('start_positions', 4, 2)).rejects.toThrow(/outside 0..5/);
    await expect(store.read('start_positions', -1, 1)).rejects.toThrow(InvalidArgumentError);
    await expect(store.read('start_positions', 0, 2, new Float32Array(2))).rejects.toThrow(/must be a Int32Array/);
    await expect(store.read('start_positions', 0, 2, new Int32Array(1))).rejects.toThrow(/at least 2 elements/);
    await expect(store.readIndices('start_positions', [0, 7])).rejects.toThrow(/outside/);
    // A read issued just before close() completes; one issued after is refused.
    const issued = store.read('start_positions', 0, 5);
    const closing = store.close();
    expect((await issued).length).toBe(5);
    await closing;
    await expect(store.read('start_positions', 0, 1)).rejects.toThrow(/closed/);
    await expect(openStore(join(FIXTURES, 'torch_embeds.h5'), { activations: 'embeds', layerAxis: 4 })).rejects.toThrow(
      /layerAxis 4/,
    );
  });

  it('metadata mismatches between stores and against expectations name both sides', async () => {
    const a = await openStore(join(FIXTURES, 'store.safetensors'));
    const b = await openStore(join(FIXTURES, 'store_f32_gzip.h5'));
    checkCompatible(a.metadata, a.path, b.metadata, b.path); // only dtype differs: compatible
    const c = { ...b.metadata!, max_seq_length: 384 };
    expect(() => checkCompatible(a.metadata, a.path, c, 'other.h5')).toThrow(MismatchError);
    expect(() => checkCompatible(a.metadata, a.path, c, 'other.h5')).toThrow(
      /max_seq_length: store has 3, store other.h5 expects 384/,
    );
    await expect(openStore(join(FIXTURES, 'store.safetensors'), { expect: { dtype: 'float32' } })).rejects.toThrow(
      /dtype: store has "float16"/,
    );
    await a.close();
    await b.close();
  });
});

// Last on purpose: it leaves this test process's HDF5 runtime marked aborted.
describe('HDF5 runtime abort', () => {
  it('an aborted HDF5 runtime gives typed errors, never a crash', async () => {
    const { guardH5, loadH5wasm } = await import('../../src/store/hdf5/h5wasm-runtime.js');
    const store = await openStore(join(FIXTURES, 'store_f32_gzip.h5')); // gzip: read through h5wasm
    const direct = await openStore(join(FIXTURES, 'store_f16.h5')); // uncompressed: read past h5wasm, from the file
    const runtime = await loadH5wasm();
    expect(() =>
      guardH5(runtime, 'x.h5', 'probing', () => {
        throw new WebAssembly.RuntimeError('Aborted(native code called abort())');
      }),
    ).toThrow(/x\.h5: probing failed .*Aborted/);
    expect(runtime.aborted).toBe(true);
    await expect(store.read('hidden_state_activations', 0, 1)).rejects.toThrow(
      /aborted by a corrupt HDF5 file earlier; restart the process/,
    );
    await store.close();
    // direct reads never touch the aborted runtime: still the right values
    const positions = manifest.stores.find((s) => s.path === 'store_f16.h5')!.tensors['start_positions']!;
    expect(bytesOf(await direct.read('start_positions', 0, 5))).toEqual(expectedBytes(positions));
    await direct.close();
    await expect(openStore(join(FIXTURES, 'store_f16.h5'))).rejects.toThrow(FileFormatError);
    const other = await openStore(join(FIXTURES, 'store.safetensors'));
    expect(other.numExamples).toBe(5);
    await other.close();
  });
});
