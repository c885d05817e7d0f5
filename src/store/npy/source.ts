/**
 * One `.npy` array as a `TensorSource`, over any `RandomAccessBytes` (a Node file or in-page bytes, a Blob, a URL),
 * and the header read that precedes it. Fortran-order arrays are read correctly by gathering their strided runs
 * through a bounded 16 MiB window (slower: prefer C order). Browser-safe.
 */
import { FileFormatError } from '../../errors.js';
import { dtypeByteSize } from '../dtype.js';
import { NPY_PREFIX_BYTES, npyHeaderSize, parseNpyHeader, type NpyHeader } from './header.js';
import type { RandomAccessBytes } from '../random-access.js';
import type { TensorSource } from '../store-base.js';

/** Gather window for Fortran-order reads. */
const FORTRAN_WINDOW_BYTES = 16 << 20;

type WordView = Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

function words(bytes: Uint8Array, size: number): WordView {
  const n = bytes.byteLength / size;
  if (size === 1) return bytes;
  if (size === 2) return new Uint16Array(bytes.buffer, bytes.byteOffset, n);
  if (size === 4) return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
}

/** Reads the header of the `.npy` file `file`. */
export async function readNpyHeader(file: RandomAccessBytes): Promise<NpyHeader> {
  const prefix = await file.readUpTo(0, NPY_PREFIX_BYTES);
  const size = npyHeaderSize(prefix, file.size, file.path);
  return parseNpyHeader(await file.readUpTo(0, size), file.size, file.path);
}

/** An `.npy` array as a store tensor, read by whole examples. */
export class NpySource implements TensorSource {
  readonly dtype;
  readonly shape;
  readonly maxReadBytes = Number.MAX_SAFE_INTEGER;
  private readonly exampleBytes: number;
  private readonly fortran: boolean;
  readonly readFloat16?: (start: number, count: number, dst: Float32Array) => Promise<void>;

  constructor(
    readonly name: string,
    private readonly file: RandomAccessBytes,
    private readonly header: NpyHeader,
  ) {
    this.dtype = header.dtype;
    this.shape = header.shape;
    if (this.shape.length === 0)
      throw new FileFormatError(`'${name}' is a 0-d array; a store tensor needs an example axis`, { file: file.path });
    this.exampleBytes = this.shape.slice(1).reduce((a, b) => a * b, 1) * dtypeByteSize(this.dtype);
    // Fortran order only differs from C order when more than one axis has length > 1.
    this.fortran = header.fortranOrder && this.shape.filter((d) => d > 1).length > 1;
    const decode = file.readFloat16At?.bind(file);
    if (file.mapped && decode && !this.fortran) {
      this.readFloat16 = (start, _count, dst) => decode(header.dataOffset + start * this.exampleBytes, dst);
    }
  }

  async readRaw(start: number, count: number, dst: Uint8Array): Promise<void> {
    if (!this.fortran) {
      await this.file.readAt(this.header.dataOffset + start * this.exampleBytes, dst);
      return;
    }
    await this.gatherFortran(start, count, dst);
  }

  /** Element (n, r) of a Fortran array lives at n + N·t(r), t = column-major index of r: gather runs over t. */
  private async gatherFortran(start: number, count: number, dst: Uint8Array): Promise<void> {
    const size = dtypeByteSize(this.dtype);
    const n = this.shape[0]!;
    const dims = this.shape.slice(1);
    const perExample = dims.reduce((a, b) => a * b, 1);
    const out = words(dst, size);
    const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1)); // C strides within an example
    const index = dims.map(() => 0);
    let cIndex = 0;
    const runBytes = count * size;
    let t = 0;
    while (t < perExample) {
      const windowStart = (t * n + start) * size;
      const fit = Math.max(1, Math.floor((FORTRAN_WINDOW_BYTES - runBytes) / (n * size)) + 1);
      const runs = Math.min(fit, perExample - t);
      const windowBytes = ((runs - 1) * n + count) * size;
      const window = new Uint8Array(windowBytes);
      await this.file.readAt(this.header.dataOffset + windowStart, window);
      const w = words(window, size);
      for (let r = 0; r < runs; r++, t++) {
        const base = r * n;
        for (let k = 0; k < count; k++) out[k * perExample + cIndex] = w[base + k]!;
        for (let axis = 0; axis < dims.length; axis++) {
          // advance the column-major multi-index (first axis fastest), keeping the C-order index in step
          index[axis]!++;
          cIndex += strides[axis]!;
          if (index[axis]! < dims[axis]!) break;
          cIndex -= strides[axis]! * dims[axis]!;
          index[axis] = 0;
        }
      }
    }
  }
}
