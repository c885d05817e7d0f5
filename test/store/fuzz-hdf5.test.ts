/**
 * Fuzz (fast-check): HDF5 files with mutated superblock / object-header bytes (the first 2 KiB) or truncated
 * never crash the process: each opens and reads, or fails with a typed FileFormatError naming the file — also
 * when HDF5 aborts its wasm instance (every later HDF5 call then fails typed). 10,000 cases (~35 s here, each one a real
 * h5wasm open); BV_HDF5_FUZZ_RUNS overrides the count.
 */
import fs, { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BertVisionError } from '../../src/index.node.js';
import { dtypeByteSize } from '../../src/store/dtype.js';
import { FIXTURES } from './fixtures.js';

const RUNS = Number(process.env['BV_HDF5_FUZZ_RUNS'] ?? 10_000);
const FILE = 'hdf5-fuzz-case';

// HDF5 prints its error stack for every corrupt file straight to fd 2, from the emscripten heap (an Int8Array),
// in fragments; keep those out of the test log. Only this test's worker process is affected.
const writeSync = fs.writeSync;
(fs as { writeSync: unknown }).writeSync = (fd: number, data: unknown, ...rest: unknown[]): number => {
  if (fd === 2 && data instanceof Int8Array && typeof rest[1] === 'number') return rest[1];
  return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
};

describe('HDF5 fuzz', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), FILE));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`${RUNS} mutated or truncated files: read, or a typed error`, async () => {
    const { loadH5wasm, HeapBuffer } = await import('../../src/store/hdf5/h5wasm-runtime.js');
    const { inspectHdf5, readHyperslab } = await import('../../src/store/hdf5/store.js');
    type Runtime = Awaited<ReturnType<typeof loadH5wasm>>;
    // The library marks an aborted runtime unusable for the rest of the process; so that every case still
    // exercises HDF5, this test swaps in a fresh h5wasm instance (a new module URL) after an abort.
    let runtime: Runtime = await loadH5wasm();
    let aborts = 0;
    const freshRuntime = async (): Promise<Runtime> => {
      const h5 = (await import(`${import.meta.resolve('h5wasm/node')}?instance=${++aborts}`)) as Runtime['h5'];
      return { h5, module: await h5.ready, aborted: false };
    };
    const original = readFileSync(join(FIXTURES, 'store_f16.h5'));
    const path = join(dir, `${FILE}.h5`);
    let failures = 0;
    let opened = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(2047), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(original.length), { nil: undefined, freq: 8 }),
        async (writes, cut) => {
          const bytes = Buffer.from(original);
          for (const [at, value] of writes) bytes[at] = value;
          writeFileSync(path, cut === undefined ? bytes : bytes.subarray(0, cut));
          if (runtime.aborted) runtime = await freshRuntime();
          try {
            const { file, datasets } = inspectHdf5(runtime, path);
            opened++;
            const heap = new HeapBuffer(runtime);
            try {
              for (const d of datasets) {
                const per = d.shape.slice(1).reduce((a, b) => a * b, 1) * dtypeByteSize(d.dtype);
                if (d.shape[0]! > 0 && per < 1 << 20)
                  readHyperslab(runtime, heap, file, path, d.name, d.shape, 0, 1, per, () => undefined);
              }
            } finally {
              if (!runtime.aborted) {
                heap.free();
                file.close();
              }
            }
          } catch (error) {
            if (!(error instanceof BertVisionError)) throw error;
            expect(error.message).toContain(FILE);
            failures++;
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(failures).toBeGreaterThan(0); // the mutations do reach the parser…
    expect(opened).toBeGreaterThan(RUNS / 50); // …and cases after an abort still exercise h5wasm
  });
});
