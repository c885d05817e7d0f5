/**
 * The native kernels that work inside the wasm heap read it through one helper (native/src/napi_helpers.cc,
 * `readArrayBuffer` and `readHeapArguments`): each refuses anything but an ArrayBuffer, and ranges past its end,
 * with a JS error that names the kernel, never a crash. Skipped where the addon is not built.
 */
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/platform/native.js';

const addon = nativeAddon() as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined> | undefined;

/** Each heap kernel with arguments that are valid for a 64 KiB heap but for the heap itself. */
const CALLS: Array<[string, unknown[]]> = [
  ['matmul', [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, false, false]],
  ['groupedMatmul', [0, 0, 0, 1, 1, 1, 1, 1, 1, false, false, -1]],
  ['matVec', [0, 0, 0, 1, 1, false]],
  ['skinnyMatmul', [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, false, false, -1]],
  ['transpose', [0, 0, 1, 1, 1, 1]],
  ['columnSums', [0, 0, 1, 1]],
  ['geluTanh', [0, 64, 4]],
  ['geluTanhGrad', [0, 64, 128, 4]],
  ['reluGrad', [0, 64, 128, 4]],
  ['geluTanhTransposed', [0, 64, 4, 2, 2]],
  ['adviseHugePages', [0]],
];

describe.skipIf(!addon)('native heap arguments', () => {
  it.each(CALLS)('%s refuses a value that is not an ArrayBuffer, naming itself', (name, rest) => {
    const kernel = addon?.[name];
    if (!kernel) return; // a kernel this build lacks (no AVX2, or an older addon) is not called
    for (const notHeap of ['heap', new Float32Array(16), null, 42]) {
      expect(() => kernel(notHeap, ...rest)).toThrow(new RegExp(`^${name}: expected an ArrayBuffer`));
    }
  });

  it.each(['geluTanh', 'reluGrad', 'geluTanhGrad'])('%s refuses a range past the heap, naming itself', (name) => {
    const kernel = addon?.[name];
    if (!kernel) return;
    const heap = new ArrayBuffer(1 << 16);
    const pointers = name === 'geluTanh' ? [0, 1 << 15] : [0, 1 << 14, 1 << 15];
    expect(() => kernel(heap, ...pointers, (1 << 16) / 4)).toThrow(new RegExp(`^${name}: out of bounds`));
    expect(() => kernel(heap, ...pointers, 16)).not.toThrow();
  });

  it.each(['skinnyMatmul', 'groupedMatmul'])('%s refuses a bias past the heap, naming itself', (name) => {
    const kernel = addon?.[name];
    if (!kernel) return;
    const heap = new ArrayBuffer(1 << 16);
    // a 4 × 2 product over an inner size of 3 (groupedMatmul: A stored [3, 4] transposed, groups of one column)
    const shape = name === 'skinnyMatmul' ? [1, 4, 2, 3, 0, 0, 0, false, false] : [4, 2, 3, 4, 1, 1, true, false];
    const call = (biasAt: number) => () => kernel(heap, 0, 1024, 2048, ...shape, biasAt);
    expect(call((1 << 16) - 4)).toThrow(new RegExp(`^${name}: bias out of bounds`));
    expect(call(-8)).toThrow(new RegExp(`^${name}: bias out of bounds`));
    expect(call(4096)).not.toThrow();
    expect(call(-1)).not.toThrow();
  });

  it('skinnyMatmul refuses a shape with neither few columns nor a short inner size', () => {
    if (!addon?.skinnyMatmul) return;
    const heap = new ArrayBuffer(1 << 20);
    expect(() => addon.skinnyMatmul!(heap, 0, 4096, 8192, 1, 16, 16, 16, 0, 0, 0, false, false, -1)).toThrow(
      /^skinnyMatmul: neither N nor K is small enough/,
    );
  });
});
