/**
 * The native addon's store reads: float16 decoding against NumPy (every bit pattern, spread over the thread
 * pool), and the failure modes of memory-mapped files (truncated after opening, closed with a read in flight).
 * Skipped where the addon is not built; `BERTVISION_REQUIRE_NATIVE=1` (CI) turns a missing addon into a failure.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError, openStore } from '../../src/index.node.js';
import { nativeAddon, nativeKernelStatus } from '../../src/platform/native.js';
import { PositionalFile } from '../../src/platform/positional-file.js';
import { FIXTURES } from '../store/fixtures.js';

const addon = nativeAddon();
const dir = mkdtempSync(join(tmpdir(), 'bv-native-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('is built where CI requires it', () => {
  if (process.env.BERTVISION_REQUIRE_NATIVE === '1') expect(nativeKernelStatus()).toMatchObject({ loaded: true });
  expect(nativeKernelStatus().loaded).toBe(addon !== undefined);
});

describe.skipIf(!addon)('native kernels', () => {
  // NumPy's float32 value of every float16 bit pattern (tools/fixtures/make_fixtures.py)
  const numpyBits = new Uint32Array(new Uint8Array(readFileSync(join(FIXTURES, 'expected', 'all_halves.bin'))).buffer);

  it('decodes float16 bit-identically to NumPy, NaN payloads included, across the thread pool', () => {
    const n = 3_000_017; // above the single-thread threshold, not a multiple of 8
    const halves = new Uint16Array(n);
    for (let i = 0; i < n; i++) halves[i] = (i * 40503) & 0xffff;
    const out = new Float32Array(n);
    addon!.decodeFloat16(halves, out);
    const bits = new Uint32Array(out.buffer);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (bits[i] !== numpyBits[halves[i]!]) wrong++;
    expect(wrong).toBe(0);
  });

  it('reports a file truncated after opening as a typed error naming it (no SIGBUS)', async () => {
    const path = join(dir, 'truncated.safetensors');
    copyFileSync(join(FIXTURES, 'all_halves.safetensors'), path);
    const store = await openStore(path);
    try {
      await store.read(store.activations, 0, 256); // fine while whole
      truncateSync(path, 4096);
      const failure = await store.read(store.activations, 0, 256).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(FileFormatError);
      expect((failure as FileFormatError).message).toMatch(/truncated/);
      expect((failure as FileFormatError).file).toBe(path);
    } finally {
      await store.close();
    }
  });

  it('lets a read in flight finish when the file is closed under it', async () => {
    const path = join(FIXTURES, 'all_halves.safetensors');
    const file = await PositionalFile.open(path);
    expect(file.mapped).toBe(true);
    const header = 8 + Number(new DataView((await file.readUpTo(0, 8)).buffer).getBigUint64(0, true));
    const values = new Float32Array(65536);
    const pending = file.readFloat16At(header, values);
    await file.close(); // unmapping waits for the read
    await pending;
    expect(new Uint32Array(values.buffer)).toEqual(numpyBits);
    await expect(file.readFloat16At(header, values)).rejects.toThrow(/closed/);
  });

  it('rejects reads into a destination that is too small, without touching memory', () => {
    expect(() => addon!.decodeFloat16(new Uint16Array(16), new Float32Array(8))).toThrow(/too small/);
  });
});
