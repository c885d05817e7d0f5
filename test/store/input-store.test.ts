/**
 * Stores opened from bytes, Blobs and URLs (the browser's openStore, here in Node) read every Python-written fixture
 * exactly as the expected bytes numpy wrote (test/fixtures/io, tools/fixtures/make_fixtures.py), with the same
 * metadata; Blobs are read by slices and URLs by range requests; bad input gives typed errors.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileFormatError,
  MismatchError,
  RangeRequestError,
  openStore,
  type StoreBytes,
  type StoreInput,
} from '../../src/index.node.js';
import { serveFolder, type RangeServer } from '../helpers/range-server.js';
import { bytesOf, expectedBytes, FIXTURES, manifest } from './fixtures.js';

let server: RangeServer;
let ignoring: RangeServer;
beforeAll(async () => {
  server = await serveFolder(FIXTURES);
  ignoring = await serveFolder(FIXTURES, { ignoreRanges: true });
});
afterAll(async () => {
  await server.close();
  await ignoring.close();
});

type Kind = 'bytes' | 'blob' | 'url';
const one = (kind: Kind, rel: string): StoreBytes => {
  if (kind === 'url') return new URL(`${server.origin}/${rel}`);
  const data = new Uint8Array(readFileSync(join(FIXTURES, rel)));
  return kind === 'bytes' ? data : new File([data], rel.split('/').pop()!);
};

/** The input of a fixture store in the form `kind`: one file, an index URL, or the files of a directory/sharded store. */
function inputOf(kind: Kind, path: string): StoreInput {
  if (statSync(join(FIXTURES, path)).isDirectory()) {
    return { files: Object.fromEntries(readdirSync(join(FIXTURES, path)).map((f) => [f, one(kind, `${path}/${f}`)])) };
  }
  if (path.endsWith('.safetensors.index.json') && kind !== 'url') {
    const shards = readdirSync(FIXTURES).filter((f) => /^store-\d+-of-\d+\.safetensors$/.test(f));
    return { files: Object.fromEntries([path, ...shards].map((f) => [f, one(kind, f)])) };
  }
  return one(kind, path);
}

const stores = manifest.stores.filter((s) => s.container !== 'hdf5-dir');

describe.each(['bytes', 'blob', 'url'] as const)('from %s', (kind) => {
  it.each(stores.map((s) => [`${s.path} ${JSON.stringify(s.options ?? {})}`, s] as const))(
    '%s reads every tensor bit-exactly',
    async (_, fixture) => {
      const store = await openStore(inputOf(kind, fixture.path), { ...fixture.options });
      try {
        expect(store.container).toBe(fixture.container);
        if (fixture.metadata)
          expect(store.metadata).toEqual({
            ...manifest.metadata,
            dtype: fixture.metadata_dtype ?? manifest.metadata.dtype,
          });
        else expect(store.metadata).toBeUndefined();
        for (const [name, t] of Object.entries(fixture.tensors)) {
          expect(store.tensors[name]).toEqual({ shape: t.shape, dtype: t.dtype });
          expect(bytesOf(await store.read(name, 0, t.shape[0]!))).toEqual(expectedBytes(t));
          const all = expectedBytes(t);
          const per = all.length / t.shape[0]!;
          expect(bytesOf(await store.readIndices(name, [t.shape[0]! - 1, 0]))).toEqual(
            new Uint8Array([...all.subarray(all.length - per), ...all.subarray(0, per)]),
          );
        }
        if (fixture.metadata) expect(() => store.checkMetadata({ max_seq_length: 384 })).toThrow(MismatchError);
      } finally {
        await store.close();
      }
    },
  );
});

describe('lazy reads', () => {
  it('a URL store fetches only ranges: one for the header, one per read', async () => {
    const before = server.requests.length;
    const store = await openStore(new URL(`${server.origin}/store.safetensors`));
    await store.read('start_positions', 1, 2);
    await store.close();
    const seen = server.requests.slice(before);
    expect(seen.every((r) => r.range !== undefined && /^bytes=\d+-\d+$/.test(r.range))).toBe(true);
    expect(seen.length).toBeLessThanOrEqual(2);
  });

  it('a Blob is read by slices, never whole', async () => {
    const data = readFileSync(join(FIXTURES, 'all_halves.safetensors')); // 128 KiB: 256 examples of 512 bytes
    const blob = new Blob([data]);
    const sliced: number[] = [];
    const slice = blob.slice.bind(blob);
    blob.slice = (start?: number, end?: number) => {
      sliced.push((end ?? blob.size) - (start ?? 0));
      return slice(start, end);
    };
    const store = await openStore(blob);
    await store.read('hidden_state_activations', 2, 1);
    await store.close();
    expect(Math.max(...sliced)).toBeLessThanOrEqual(4096); // the first bytes (to recognise the container), the header, one example
  });
});

describe('bad input', () => {
  it('a server that ignores ranges is a RangeRequestError', async () => {
    const error = await openStore(new URL(`${ignoring.origin}/store.safetensors`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeRequestError);
    expect((error as RangeRequestError).code).toBe('E_RANGE_REQUEST');
    expect(String(error)).toMatch(/store\.safetensors: the server ignores HTTP range requests/);
  });

  it('a missing URL is a FileFormatError naming it', async () => {
    await expect(openStore(new URL(`${server.origin}/nope.safetensors`))).rejects.toThrow(
      /nope\.safetensors: the server answered 404/,
    );
  });

  it('truncated bytes are a FileFormatError naming the given name', async () => {
    const data = new Uint8Array(readFileSync(join(FIXTURES, 'store.safetensors')));
    await expect(openStore(data.subarray(0, data.length - 10), { name: 'cut.safetensors' })).rejects.toThrow(
      /cut\.safetensors: .*truncated/,
    );
  });

  it('a sharded store without its shards, and with one missing, is a FileFormatError', async () => {
    const index = new File(
      [readFileSync(join(FIXTURES, 'store.safetensors.index.json'))],
      'store.safetensors.index.json',
    );
    await expect(openStore(index)).rejects.toThrow(/needs its shards too/);
    await expect(openStore({ files: [index] })).rejects.toThrow(FileFormatError);
    await expect(openStore({ files: [index] })).rejects.toThrow(/which is not among the files given/);
  });

  it('an extension that lies about the content is a FileFormatError', async () => {
    const data = readFileSync(join(FIXTURES, 'store.safetensors'));
    await expect(openStore(new File([data], 'x.npy'))).rejects.toThrow(/x\.npy: the extension says npy/);
  });
});
