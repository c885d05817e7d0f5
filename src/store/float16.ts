/**
 * IEEE-754 half precision (float16) ↔ float32, fast. Node 20 has no Float16Array, so stores hold float16 as raw
 * 16-bit words and decode them here. Decoding uses a small WebAssembly SIMD kernel (source: `float16-simd.wat`,
 * ~3–4 GB/s of float16 input on one core) and falls back to a 64 Ki-entry lookup table (~1 GB/s) where WebAssembly
 * SIMD is unavailable. Both give results bit-identical to NumPy's `astype(float32)`, NaN payloads included.
 * Browser-safe.
 */

/** Compiled from float16-simd.wat (334 bytes). */
const SIMD_KERNEL_BASE64 =
  'AGFzbQEAAAABBwFgA39/fwADAgEABQMBAAEHEwIGbWVtb3J5AgAGZGVjb2RlAAAKnAIBmQICAX8Ie/0M/38AAP9/AAD/fwAA/38A' +
  'ACEH/QwAfAAAAHwAAAB8AAAAfAAAIQj9DACAAAAAgAAAAIAAAACAAAAhCf0MAACAdwAAgHcAAIB3AACAdyEK/QwAAIB/AACAfwAA' +
  'gH8AAIB/IQsgACACQQF0aiEDAkADQCAAIANPDQEgAP0AAAAhBCAE/akBIQUgBSAH/U5BDf2rASEGIAEgBiAL/VAgBiAK/eYBIAUg' +
  'CP1OIAj9N/1SIAUgCf1OQRD9qwH9UP0LAAAgBP2qASEFIAUgB/1OQQ39qwEhBiABIAYgC/1QIAYgCv3mASAFIAj9TiAI/Tf9UiAF' +
  'IAn9TkEQ/asB/VD9CwAQIABBEGohACABQSBqIQEMAAsLCw==';

/** Halves decoded per kernel call; the float32 staging area is this many elements (256 KiB, cache resident). */
const STAGE_ELEMENTS = 65536;
const STAGE_BYTES = STAGE_ELEMENTS * 4;
const PAGE = 65536;

let lookupTable: Uint32Array | undefined;

/** float32 bit pattern of every float16 bit pattern (built on first use, 256 KiB). */
function table(): Uint32Array {
  if (lookupTable) return lookupTable;
  const values = new Float32Array(65536);
  const bits = new Uint32Array(values.buffer);
  for (let h = 0; h < 65536; h++) {
    const exponent = (h >> 10) & 31;
    const fraction = h & 1023;
    if (exponent === 31) {
      bits[h] = ((h & 0x8000) << 16) | 0x7f800000 | (fraction << 13); // inf, or NaN keeping its payload
      continue;
    }
    const v = exponent === 0 ? fraction * 2 ** -24 : (1 + fraction / 1024) * 2 ** (exponent - 15);
    values[h] = h & 0x8000 ? -v : v;
  }
  lookupTable = new Uint32Array(values.buffer);
  return lookupTable;
}

function decodeWithTable(src: Uint16Array, dst: Float32Array, dstOffset: number): void {
  const lut = table();
  const out = new Uint32Array(dst.buffer, dst.byteOffset + dstOffset * 4, src.length);
  for (let k = 0; k < src.length; k++) out[k] = lut[src[k]!]!;
}

interface Kernel {
  memory: WebAssembly.Memory;
  decode: (src: number, dst: number, n: number) => void;
}

/** The compiled kernel, shared by every decoder (compiled once; undefined where WebAssembly SIMD is missing). */
let compiled: WebAssembly.Module | null | undefined;

function instantiateKernel(): Kernel | undefined {
  try {
    if (compiled === undefined) {
      compiled = null;
      if (typeof WebAssembly !== 'object') return undefined;
      compiled = new WebAssembly.Module(Uint8Array.from(atob(SIMD_KERNEL_BASE64), (c) => c.charCodeAt(0)));
    }
    if (!compiled) return undefined;
    const { memory, decode } = new WebAssembly.Instance(compiled).exports as unknown as Kernel;
    return { memory, decode };
  } catch {
    return undefined; // no WebAssembly SIMD here: the lookup table is used instead
  }
}

/**
 * A float16 decoder owning a staging area that raw float16 bytes are read into (so a file read lands directly
 * where the SIMD kernel reads it) and decoded from into float32 arrays. One decoder per reader; not shared
 * between concurrent reads.
 */
export class Float16Decoder {
  private readonly kernel: Kernel | undefined;
  private slotBytes = 0;
  private readonly slots: number;
  private fallback: Uint8Array[] = [];

  /**
   * @param slots number of independent input areas (default 2: one being filled by a read while the other is
   *   decoded).
   * @param useSimd use the WebAssembly SIMD kernel when available (default true); false forces the lookup table.
   */
  constructor(slots = 2, useSimd = true) {
    this.slots = slots;
    this.kernel = useSimd ? instantiateKernel() : undefined;
  }

  /** Whether the WebAssembly SIMD kernel is in use (false: lookup table). */
  get simd(): boolean {
    return this.kernel !== undefined;
  }

  /**
   * Makes every input area at least `byteLength` bytes (rounded up to 16). Views from `input()` taken before a call
   * that grows the areas are invalid afterwards; take them again.
   */
  reserve(byteLength: number): void {
    const needed = Math.ceil(byteLength / 16) * 16;
    if (needed <= this.slotBytes) return;
    this.slotBytes = needed;
    if (!this.kernel) {
      this.fallback = Array.from({ length: this.slots }, () => new Uint8Array(needed));
      return;
    }
    const total = STAGE_BYTES + this.slots * needed;
    const have = this.kernel.memory.buffer.byteLength;
    if (total > have) this.kernel.memory.grow(Math.ceil((total - have) / PAGE));
  }

  /** The input area `slot` (first `byteLength` bytes), to be filled with little-endian float16 words. */
  input(slot: number, byteLength: number): Uint8Array {
    this.reserve(byteLength);
    if (!this.kernel) return this.fallback[slot]!.subarray(0, byteLength);
    return new Uint8Array(this.kernel.memory.buffer, STAGE_BYTES + slot * this.slotBytes, byteLength);
  }

  /** Decodes the first `count` halves of input area `slot` into `dst[dstOffset … dstOffset + count)`. */
  decode(slot: number, count: number, dst: Float32Array, dstOffset = 0): void {
    if (!this.kernel) {
      const bytes = this.fallback[slot]!;
      decodeWithTable(new Uint16Array(bytes.buffer, bytes.byteOffset, count), dst, dstOffset);
      return;
    }
    const base = STAGE_BYTES + slot * this.slotBytes;
    const whole = count - (count % 8);
    const { memory, decode } = this.kernel;
    for (let done = 0; done < whole; done += STAGE_ELEMENTS) {
      const n = Math.min(STAGE_ELEMENTS, whole - done);
      decode(base + done * 2, 0, n);
      dst.set(new Float32Array(memory.buffer, 0, n), dstOffset + done);
    }
    if (whole < count) {
      decodeWithTable(new Uint16Array(memory.buffer, base + whole * 2, count - whole), dst, dstOffset + whole);
    }
  }

  /** Decodes `src` (float16 bit patterns) into `dst` starting at `dstOffset` (default 0). */
  decodeArray(src: Uint16Array, dst: Float32Array, dstOffset = 0): void {
    const chunk = 1 << 22;
    for (let done = 0; done < src.length; done += chunk) {
      const part = src.subarray(done, Math.min(src.length, done + chunk));
      this.input(0, part.byteLength).set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
      this.decode(0, part.length, dst, dstOffset + done);
    }
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → float16 bit pattern, rounding to nearest even (like NumPy's `astype(float16)`); NaN stays NaN. */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0);
  const e = exponent - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let h = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    if (rest > half || (rest === half && h & 1)) h += 1;
    return sign | h;
  }
  let h = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h += 1; // may carry into the exponent: still correct (→ inf)
  return sign | h;
}

/** Encodes `src` into float16 bit patterns in `dst` (same length), rounding to nearest even. */
export function encodeFloat16(src: Float32Array, dst: Uint16Array): void {
  for (let k = 0; k < src.length; k++) dst[k] = float32ToFloat16Bits(src[k]!);
}
