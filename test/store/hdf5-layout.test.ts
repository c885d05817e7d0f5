/**
 * bertvision's HDF5 layout reader (direct reads that bypass h5wasm) against h5py: every example's byte offset must
 * be where h5py's `get_offset()` / `get_chunk_info()` put it (tools/fixtures/make_hdf5_layouts.py), storage it
 * cannot read directly must be left to h5wasm, and stores over these files read what NumPy wrote.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/index.node.js';
import { locateDatasets, type DirectLayout } from '../../src/store/hdf5/layout.js';
import { PositionalFile } from '../../src/platform/positional-file.js';
import { FIXTURES } from './fixtures.js';

const DIR = join(FIXTURES, 'hdf5-layout');
interface H5pyLayout {
  storage: 'contiguous' | 'chunked' | 'filtered';
  shape: number[];
  dtype: string;
  offset?: number;
  chunk?: number[];
  chunks?: [number, number, number][];
}
const layouts = JSON.parse(readFileSync(join(DIR, 'layouts.json'), 'utf8')) as Record<
  string,
  Record<string, H5pyLayout>
>;
const ELEMENT_BYTES: Record<string, number> = { float16: 2, float32: 4, int32: 4 };

/** Byte offset of example i as h5py describes the storage, or undefined where the reader must not go direct. */
function h5pyOffset(l: H5pyLayout, i: number): number | undefined {
  const exampleBytes = l.shape.slice(1).reduce((a, b) => a * b, 1) * ELEMENT_BYTES[l.dtype]!;
  if (l.storage === 'contiguous') return l.offset! + i * exampleBytes;
  if (l.storage !== 'chunked' || l.chunk!.slice(1).join() !== l.shape.slice(1).join()) return undefined;
  const [first, offset] = l.chunks!.filter(([start]) => start <= i).at(-1)!;
  return offset + (i - first) * exampleBytes;
}

function directOffset(layout: DirectLayout, i: number, exampleBytes: number): number {
  let j = 0;
  while (j + 1 < layout.starts.length && layout.starts[j + 1]! <= i) j++;
  return layout.offsets[j]! + (i - layout.starts[j]!) * exampleBytes;
}

describe.each(Object.entries(layouts))('%s', (file, datasets) => {
  it('locates every example where h5py says it is, and nothing h5py stores filtered or split', async () => {
    const positional = await PositionalFile.open(join(DIR, file), false);
    try {
      const wanted = new Map(
        Object.entries(datasets).map(([name, l]) => [name, { shape: l.shape, elementSize: ELEMENT_BYTES[l.dtype]! }]),
      );
      const found = await locateDatasets(positional, wanted);
      for (const [name, l] of Object.entries(datasets)) {
        const expectDirect = h5pyOffset(l, 0) !== undefined;
        expect(found.has(name), `${name} located`).toBe(expectDirect);
        if (!expectDirect) continue;
        const exampleBytes = l.shape.slice(1).reduce((a, b) => a * b, 1) * ELEMENT_BYTES[l.dtype]!;
        for (let i = 0; i < l.shape[0]!; i++)
          expect(directOffset(found.get(name)!, i, exampleBytes)).toBe(h5pyOffset(l, i));
      }
    } finally {
      await positional.close();
    }
  });

  it.each([true, false])('reads what NumPy wrote (native %s)', async (native) => {
    const store = await openStore(join(DIR, file), { activations: Object.keys(datasets)[0], native });
    try {
      for (const [name, l] of Object.entries(datasets)) {
        const expected = new Uint8Array(readFileSync(join(DIR, `${file.replace(/\.h5$/, '')}.${name}.bin`)));
        const values = await store.read(name, 0, l.shape[0]!);
        if (l.dtype === 'float16') {
          const halves = new Uint16Array(expected.buffer, expected.byteOffset, expected.length / 2);
          expect(Array.from(values as Float32Array)).toEqual(Array.from(halves, halfToFloat));
        } else {
          expect(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).toEqual(expected);
        }
      }
    } finally {
      await store.close();
    }
  });
});

/** float16 bits → number (independent of the library's decoders). */
function halfToFloat(h: number): number {
  const exponent = (h >> 10) & 31;
  const fraction = h & 1023;
  const sign = h & 0x8000 ? -1 : 1;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (exponent === 0 ? fraction * 2 ** -24 : (1 + fraction / 1024) * 2 ** (exponent - 15));
}

describe('layout reader fuzz', () => {
  it('10000 mutated or truncated files: a layout inside the file, or none; never an error, a hang or a huge read', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const fc = (await import('fast-check')).default;
    const work = mkdtempSync(join(tmpdir(), 'bv-h5-layout-fuzz-'));
    const originals = ['one_per_chunk.h5', 'four_per_chunk.h5'].map((f) => readFileSync(join(DIR, f)));
    const path = join(work, 'case.h5');
    let located = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.nat(1),
          fc.array(fc.tuple(fc.nat(8191), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
          fc.option(fc.nat(24_000), { nil: undefined, freq: 8 }),
          async (which, writes, cut) => {
            const original = originals[which]!;
            const bytes = Buffer.from(original);
            for (const [at, value] of writes) if (at < bytes.length) bytes[at] = value;
            writeFileSync(path, cut === undefined ? bytes : bytes.subarray(0, cut));
            const file = await PositionalFile.open(path, false);
            try {
              const shape = which === 0 ? [150, 3, 4, 2] : [10, 5, 3];
              const found = await locateDatasets(file, new Map([['act', { shape, elementSize: 2 }]]));
              const layout = found.get('act');
              if (!layout) return;
              located++;
              const exampleBytes = shape.slice(1).reduce((a, b) => a * b, 1) * 2;
              expect(layout.starts[0]).toBe(0);
              for (const offset of layout.offsets) expect(offset + exampleBytes).toBeLessThanOrEqual(file.size);
            } finally {
              await file.close();
            }
          },
        ),
        { numRuns: Number(process.env['BV_HDF5_FUZZ_RUNS'] ?? 10_000) },
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    expect(located).toBeGreaterThan(0); // mutations outside the structures still locate
  }, 120_000);
});
