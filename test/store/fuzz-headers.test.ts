/**
 * Fuzz (fast-check): mutated `.npy` and `.safetensors` headers never crash, hang or allocate hugely — the parser
 * either accepts a header whose data fits the file or throws a typed BertVisionError naming the file.
 * 10,000 runs per format (headers only, each case tiny), plus file-level runs through openStore + read.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BertVisionError,
  buildNpyHeader,
  buildSafetensorsHeader,
  openStore,
  parseNpyHeader,
  parseSafetensorsHeader,
} from '../../src/index.node.js';
import { npyHeaderSize } from '../../src/store/npy/header.js';
import { safetensorsHeaderLength } from '../../src/store/safetensors/header.js';

const FILE = 'fuzz-case';
const RUNS = 10_000;

/** Byte edits applied to a buffer: (position, new value), plus an optional truncation. */
const edits = fc.record({
  writes: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
});

function mutate(
  original: Uint8Array,
  region: number,
  e: { writes: [number, number][]; cut: number | undefined },
): Uint8Array {
  const bytes = original.slice();
  for (const [at, value] of e.writes) bytes[at % region] = value;
  return e.cut === undefined ? bytes : bytes.subarray(0, e.cut % (bytes.length + 1));
}

/** Accepts success or a typed error; anything else (TypeError, RangeError, hang) fails the property. */
function typedOrOk(run: () => void): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof BertVisionError)) throw error;
    expect(error.message).toContain(FILE);
  }
}

const npyFile = (() => {
  const header = buildNpyHeader('float16', [3, 2, 4]);
  const out = new Uint8Array(header.length + 3 * 2 * 4 * 2);
  out.set(header);
  return out;
})();

const safetensorsFile = (() => {
  const { bytes } = buildSafetensorsHeader(
    [
      { name: 'hidden_state_activations', dtype: 'float16', shape: [3, 2, 4] },
      { name: 'start_positions', dtype: 'int32', shape: [3] },
    ],
    { bertvision: '{"format":"bertvision-activations"}' },
  );
  const out = new Uint8Array(bytes.length + 48 + 12);
  out.set(bytes);
  return out;
})();

describe('npy header fuzz', () => {
  it(`${RUNS} mutated headers: accepted consistently or a typed error`, () => {
    const headerBytes = npyHeaderSize(npyFile, npyFile.length, FILE);
    fc.assert(
      fc.property(edits, (e) => {
        const bytes = mutate(npyFile, headerBytes, e);
        typedOrOk(() => {
          const h = parseNpyHeader(
            bytes.subarray(0, Math.min(bytes.length, npyHeaderSize(bytes, bytes.length, FILE))),
            bytes.length,
            FILE,
          );
          expect(h.dataOffset + h.dataBytes).toBeLessThanOrEqual(bytes.length);
          expect(h.shape.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it(`${RUNS} arbitrary shape texts: never a huge allocation or untyped error`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat(), fc.constantFrom(2 ** 31, 2 ** 53, 2 ** 63, 1e300)), { maxLength: 6 }),
        (dims) => {
          const dict = `{'descr': '<f2', 'fortran_order': False, 'shape': (${dims.map((d) => d.toLocaleString('en-US', { useGrouping: false })).join(', ')},), }`;
          const header = new Uint8Array(10 + dict.length + 1);
          header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
          new DataView(header.buffer).setUint16(8, dict.length + 1, true);
          for (let i = 0; i < dict.length; i++) header[10 + i] = dict.charCodeAt(i);
          header[header.length - 1] = 10;
          typedOrOk(() => {
            const h = parseNpyHeader(header, header.length + 64, FILE);
            expect(h.dataBytes).toBeLessThanOrEqual(64);
          });
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('safetensors header fuzz', () => {
  it(`${RUNS} mutated headers: accepted consistently or a typed error`, () => {
    const region = 8 + safetensorsHeaderLength(safetensorsFile, safetensorsFile.length, FILE);
    fc.assert(
      fc.property(edits, (e) => {
        const bytes = mutate(safetensorsFile, region, e);
        typedOrOk(() => {
          const length = safetensorsHeaderLength(bytes, bytes.length, FILE);
          const h = parseSafetensorsHeader(bytes.subarray(8, 8 + length), bytes.length, FILE);
          for (const t of h.tensors.values()) expect(t.offset + t.byteLength).toBeLessThanOrEqual(bytes.length);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it(`${RUNS} arbitrary JSON headers (shapes, offsets, dtypes): never an untyped error`, () => {
    const entry = fc.record({
      dtype: fc.constantFrom('F16', 'F32', 'I64', 'BOOL', 'BF16', 'X'),
      shape: fc.array(fc.oneof(fc.nat(10), fc.constantFrom(-1, 2 ** 40, 2 ** 53, 0.5)), { maxLength: 4 }),
      data_offsets: fc.array(fc.oneof(fc.nat(200), fc.constantFrom(-8, 2 ** 60)), { minLength: 0, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), entry, { maxKeys: 4 }), (header) => {
        const json = new TextEncoder().encode(JSON.stringify(header));
        typedOrOk(() => {
          const h = parseSafetensorsHeader(json, 8 + json.length + 100, FILE);
          for (const t of h.tensors.values())
            expect(t.offset + t.byteLength).toBeLessThanOrEqual(8 + json.length + 100);
        });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('file-level fuzz through openStore + read', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), FILE));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['npy', npyFile, 'x.npy'],
    ['safetensors', safetensorsFile, 'x.safetensors'],
  ] as const)('%s: 300 mutated files open and read or fail typed', async (_, original, name) => {
    const path = join(dir, name);
    await fc.assert(
      fc.asyncProperty(edits, async (e) => {
        await writeFile(path, mutate(original, original.length, e));
        try {
          const store = await openStore(path);
          await store.read(store.activations, 0, store.numExamples);
          await store.close();
        } catch (error) {
          if (!(error instanceof BertVisionError)) throw error;
          expect(error.message).toContain(FILE);
        }
      }),
      { numRuns: 300 },
    );
  });
});
