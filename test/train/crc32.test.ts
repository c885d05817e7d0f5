/**
 * CRC-32 (src/train/crc32.ts) gives zlib's values (Python's `zlib.crc32`: the standard check value of "123456789",
 * the pangram, and 0..255 three times), incrementally over any split, on the native path Node offers and on the
 * portable JavaScript one, which agree on random data too.
 */
import { describe, expect, it } from 'vitest';
import { crc32, crc32Portable } from '../../src/train/crc32.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const ramp = new Uint8Array(768).map((_, i) => i % 256);
/** Python: hex(zlib.crc32(data)). */
const VECTORS: Array<[string, Uint8Array, number]> = [
  ['empty', new Uint8Array(0), 0x0],
  ['"123456789"', text('123456789'), 0xcbf43926],
  ['the pangram', text('The quick brown fox jumps over the lazy dog'), 0x414fa339],
  ['0..255 three times', ramp, 0xb0c0df2a],
];

describe('crc32', () => {
  for (const implementation of [crc32, crc32Portable]) {
    VECTORS.forEach(([name, bytes, want]) => {
      it(`${implementation.name}: ${name} gives zlib's value, whole and in two parts`, () => {
        expect(implementation(bytes)).toBe(want);
        for (const cut of [0, 1, Math.floor(bytes.length / 2), bytes.length]) {
          expect(implementation(bytes.subarray(cut), implementation(bytes.subarray(0, cut)))).toBe(want);
        }
      });
    });
  }

  it('the native and the portable paths agree on a megabyte of pseudo-random bytes', () => {
    let seed = 12345;
    const bytes = new Uint8Array(1 << 20).map(() => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    });
    expect(crc32(bytes)).toBe(crc32Portable(bytes));
    expect(crc32(bytes.subarray(1000), crc32(bytes.subarray(0, 1000)))).toBe(crc32Portable(bytes));
  });
});
