/**
 * Stores in a real browser (Debian's chromium, headless, driven by playwright-core): the page opens every
 * Python-written fixture store (test/fixtures/io) from bytes, from a File (read by slices) and from a URL (HTTP range
 * requests) with `dist/index.js`, and every tensor it reads must equal, byte for byte, what Node's openStore reads
 * from the same file on disk (and the bytes numpy wrote). The float16 decoder must run the WebAssembly SIMD kernel.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/index.node.js';
import { bytesOf, expectedBytes, FIXTURES, manifest } from '../store/fixtures.js';
import { serveFolder, type RangeServer } from '../helpers/range-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixturesUrl = '/test/fixtures/io';
const PAGE = `<!doctype html><script type="importmap">{"imports":{
  "@tensorflow/tfjs":"/node_modules/@tensorflow/tfjs/dist/tf.fesm.js",
  "h5wasm":"/node_modules/h5wasm/dist/esm/hdf5_hl.js"}}</script>`;
let server: RangeServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await serveFolder(root, { routes: { '/': PAGE } });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = await browser.newPage();
  await page.goto(server.origin);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const stores = manifest.stores.filter((s) => s.container !== 'hdf5-dir');

/** The files of a fixture store as the page should get them: one file, or a directory's / sharded store's files. */
function filesOf(path: string): { single: string } | { files: string[] } {
  if (statSync(join(FIXTURES, path)).isDirectory())
    return { files: readdirSync(join(FIXTURES, path)).map((f) => `${path}/${f}`) };
  if (path.endsWith('.safetensors.index.json')) {
    return { files: [path, ...readdirSync(FIXTURES).filter((f) => /^store-\d+-of-\d+\.safetensors$/.test(f))] };
  }
  return { single: path };
}

/** Page code (a string, so vitest leaves its dynamic imports alone): opens a store and returns base64 per tensor. */
const READ_IN_PAGE = `async ({ kind, layout, options, base }) => {
  const bv = await import('/dist/index.js');
  const get = async (rel) => {
    const url = base + '/' + rel;
    if (kind === 'url') return new URL(url, location.href);
    const response = await fetch(url);
    if (kind === 'bytes') return new Uint8Array(await response.arrayBuffer());
    return new File([await response.blob()], rel.split('/').pop());
  };
  // a URL index is opened alone (its shards are fetched beside it); other multi-file stores as { files }
  const urlIndex = kind === 'url' && layout.files?.[0].endsWith('.safetensors.index.json');
  const input = layout.single !== undefined ? await get(layout.single) : urlIndex ? await get(layout.files[0])
    : { files: Object.fromEntries(await Promise.all(layout.files.map(async (f) => [f.split('/').pop(), await get(f)]))) };
  const store = await bv.openStore(input, options);
  const out = { container: store.container, metadata: store.metadata ?? null, tensors: {} };
  for (const [name, info] of Object.entries(store.tensors)) {
    const a = await store.read(name, 0, info.shape[0]);
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    let s = '';
    for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
    out.tensors[name] = { shape: info.shape, dtype: info.dtype, base64: btoa(s) };
  }
  await store.close();
  return out;
}`;

/** Index of the first differing byte (the length of the shorter one if one is a prefix), or -1 when equal. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) return -1;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

interface PageStore {
  container: string;
  metadata: unknown;
  tensors: Record<string, { shape: number[]; dtype: string; base64: string }>;
}

describe('stores in a browser', () => {
  it('decodes float16 with the WebAssembly SIMD kernel in the page', async () => {
    const simd = await page.evaluate(`import('/dist/index.js').then((bv) => new bv.Float16Decoder().simd)`);
    expect(simd).toBe(true);
  });

  describe.each(['bytes', 'file', 'url'] as const)('from %s', (kind) => {
    it.each(stores.map((s) => [`${s.path} ${JSON.stringify(s.options ?? {})}`, s] as const))(
      '%s: every tensor equals what Node reads, byte for byte',
      async (_, fixture) => {
        const got = (await page.evaluate(
          `(${READ_IN_PAGE})(${JSON.stringify({ kind, layout: filesOf(fixture.path), options: fixture.options ?? {}, base: fixturesUrl })})`,
        )) as PageStore;
        const node = await openStore(join(FIXTURES, fixture.path), fixture.options);
        try {
          expect(got.container).toBe(node.container);
          expect(got.metadata).toEqual(node.metadata ?? null);
          expect(Object.keys(got.tensors).sort()).toEqual(Object.keys(node.tensors).sort());
          for (const [name, info] of Object.entries(node.tensors)) {
            expect({ shape: got.tensors[name]!.shape, dtype: got.tensors[name]!.dtype }).toEqual(info);
            const fromNode = bytesOf(await node.read(name, 0, info.shape[0]!));
            const fromPage = new Uint8Array(Buffer.from(got.tensors[name]!.base64, 'base64'));
            expect(firstDifference(fromPage, fromNode), name).toBe(-1);
            const expected = fixture.tensors[name];
            if (expected) expect(firstDifference(fromPage, expectedBytes(expected)), name).toBe(-1);
          }
        } finally {
          await node.close();
        }
      },
    );
  });

  it('reports a server that ignores ranges with a RangeRequestError', async () => {
    const got =
      await page.evaluate(`import('/dist/index.js').then((bv) => bv.openStore('/no-ranges${fixturesUrl}/store.safetensors')
      .then(() => 'opened', (e) => ({ name: e.name, code: e.code, isRange: e instanceof bv.RangeRequestError, message: e.message })))`);
    expect(got).toMatchObject({ name: 'RangeRequestError', code: 'E_RANGE_REQUEST', isRange: true });
    expect((got as { message: string }).message).toMatch(/store\.safetensors: the server ignores HTTP range requests/);
  });

  it('reads URL stores with range requests only', async () => {
    const before = server.requests.length;
    await page.evaluate(
      `(${READ_IN_PAGE})(${JSON.stringify({ kind: 'url', layout: { single: 'store.safetensors' }, options: {}, base: fixturesUrl })})`,
    );
    const seen = server.requests.slice(before).filter((r) => r.path.endsWith('store.safetensors'));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.range !== undefined)).toBe(true);
  });
});
