/**
 * Files that are not what they claim are refused quickly and clearly: a FIFO named metadata.json (which would block
 * `open` forever), /dev/zero as a shard index or a JSON input (size 0, endless), a shard that is a symlink out of
 * the index's directory, a JSON file given as a store, and a missing store (a file-access error, not a format one).
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonFile } from '../../src/jobs/json-files.js';
import { createStoreWriter, FileAccessError, FileFormatError, openStore } from '../../src/index.node.js';
import { FIXTURES } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bv-special-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function npyDirStore(path: string): Promise<void> {
  const writer = await createStoreWriter(path, {
    format: 'npy',
    dtype: 'float32',
    shapes: { hidden_state_activations: [2, 3] },
  });
  await writer.append({ hidden_state_activations: new Float32Array(6) });
  await writer.finish();
}

describe('special files', () => {
  it('refuses a FIFO named metadata.json without opening it (no hang)', async () => {
    const store = join(dir, 'npy-store');
    await npyDirStore(store);
    execFileSync('mkfifo', [join(store, 'metadata.json')]);
    const started = Date.now();
    const error = await openStore(store).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileFormatError);
    expect(String(error)).toContain(`${join(store, 'metadata.json')}: is a FIFO (named pipe), expected a regular file`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses /dev/zero as a shard index and as a JSON input before reading from it', async () => {
    const index = join(dir, 'zero.safetensors.index.json');
    await symlink('/dev/zero', index);
    await expect(openStore(index)).rejects.toThrow(/zero\.safetensors\.index\.json: is a character device/);
    await expect(readJsonFile('/dev/zero')).rejects.toThrow(
      /\/dev\/zero: is a character device, expected a regular file/,
    );
  });

  it('refuses a shard that is a symlink to a file outside the index directory', async () => {
    const inside = join(dir, 'inside');
    const outside = join(dir, 'outside');
    await cp(FIXTURES, inside, { recursive: true });
    await cp(join(FIXTURES, 'store-00002-of-00002.safetensors'), join(dir, 'outside.safetensors'));
    await rm(join(inside, 'store-00002-of-00002.safetensors'));
    await symlink(join(dir, 'outside.safetensors'), join(inside, 'store-00002-of-00002.safetensors'));
    const error = await openStore(join(inside, 'store.safetensors.index.json')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileFormatError);
    expect(String(error)).toMatch(
      /shard 'store-00002-of-00002\.safetensors' is a link to .*outside\.safetensors, outside the index's directory/,
    );
    expect(outside).toBeDefined();
  });

  it('says a JSON file given as a store is no store (not a header of 8e18 bytes)', async () => {
    const json = join(dir, 'predictions.json');
    await writeFile(json, JSON.stringify({ q1: 'an answer', q2: '' }));
    await expect(openStore(json)).rejects.toThrow(
      /predictions\.json: not an activation store \(it is JSON\); expected HDF5, npy or safetensors/,
    );
  });

  it('reports a missing store as a file-access error that says so', async () => {
    const error = await openStore(join(dir, 'absent.safetensors')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileAccessError);
    expect((error as FileAccessError).code).toBe('E_FILE_ACCESS');
    expect(String(error)).toMatch(/absent\.safetensors: cannot open the store: no such file or directory \(ENOENT\)/);
  });

  // test/fixtures/io/hostile/huge-shape.h5 (tools/fixtures/make_hostile_hdf5.py, h5py): declares
  // hidden_state_activations (2, 65536, 32768, 1) float32 with nothing written.
  it('refuses a huge declared HDF5 shape with a typed error, not a RangeError', async () => {
    const path = join(FIXTURES, 'hostile', 'huge-shape.h5');
    const error = await openStore(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileFormatError);
    expect(String(error)).toMatch(/declares shape \[2, 65536, 32768, 1\]: 8589934592 bytes per example/);
  });

  // corrupt-address.h5 (same generator): the root symbol table points is_impossible past the end of the file; h5py
  // lists the name and refuses it, h5wasm's keys() leaves it out.
  it('refuses an HDF5 file listing a tensor it cannot read, instead of opening it without that tensor', async () => {
    const path = join(FIXTURES, 'hostile', 'corrupt-address.h5');
    const error = await openStore(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileFormatError);
    expect(String(error)).toMatch(/corrupt-address\.h5: the file lists 'is_impossible' but it cannot be read/);
  });

  it('refuses metadata that contradicts the tensor shapes, naming each contradiction', async () => {
    const path = join(dir, 'liar.safetensors');
    const metadata = {
      format: 'bertvision-activations' as const,
      version: 1,
      model_id: 'm',
      model_revision: 'r',
      tokenizer_id: 't',
      max_seq_length: 4,
      doc_stride: 2,
      max_query_length: null,
      positions: 'cls' as const,
      channels: ['layer_1', 'layer_2', 'layer_3'],
      dtype: 'float32' as const,
    };
    const writer = await createStoreWriter(path, {
      format: 'safetensors',
      dtype: 'float32',
      metadata,
      shapes: { hidden_state_activations: [2, 3, 4, 2] },
    });
    await writer.append({ hidden_state_activations: new Float32Array(48) });
    await writer.finish();
    await expect(openStore(path)).rejects.toThrow(
      'liar.safetensors: metadata contradicts the tensors: metadata lists 3 channels but the activations hold 2; ' +
        "metadata says positions 'cls' but the activations hold 3 positions per window",
    );
  });
});
