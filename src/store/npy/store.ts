/**
 * `.npy` stores (Node only): a single `.npy` file (holding only the activations) or a directory of `<name>.npy`
 * files plus `metadata.json`. Header parsed once; examples read positionally. Fortran-order arrays are read
 * correctly by gathering their strided runs through a bounded 16 MiB window (slower: prefer C order).
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FileFormatError } from '../../errors.js';
import { dtypeByteSize } from '../dtype.js';
import { parseStoreMetadata, type StoreMetadata } from '../metadata.js';
import { NPY_PREFIX_BYTES, npyHeaderSize, parseNpyHeader, type NpyHeader } from './header.js';
import { PositionalFile } from '../../platform/positional-file.js';
import { BaseStore, type TensorSource } from '../store-base.js';
import type { ActivationStore, OpenStoreOptions } from '../store.js';

/** Gather window for Fortran-order reads. */
const FORTRAN_WINDOW_BYTES = 16 << 20;
/** Largest metadata.json accepted. */
const MAX_METADATA_BYTES = 256 << 20;

type WordView = Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

function words(bytes: Uint8Array, size: number): WordView {
  const n = bytes.byteLength / size;
  if (size === 1) return bytes;
  if (size === 2) return new Uint16Array(bytes.buffer, bytes.byteOffset, n);
  if (size === 4) return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
}

/** Reads the header of the `.npy` file `file` (already open). */
export async function readNpyHeader(file: PositionalFile): Promise<NpyHeader> {
  const prefix = await file.readUpTo(0, NPY_PREFIX_BYTES);
  const size = npyHeaderSize(prefix, file.size, file.path);
  return parseNpyHeader(await file.readUpTo(0, size), file.size, file.path);
}

class NpySource implements TensorSource {
  readonly dtype;
  readonly shape;
  readonly maxReadBytes = Number.MAX_SAFE_INTEGER;
  private readonly exampleBytes: number;
  private readonly fortran: boolean;
  readonly readFloat16?: (start: number, count: number, dst: Float32Array) => Promise<void>;

  constructor(
    readonly name: string,
    private readonly file: PositionalFile,
    private readonly header: NpyHeader,
  ) {
    this.dtype = header.dtype;
    this.shape = header.shape;
    if (this.shape.length === 0)
      throw new FileFormatError(`'${name}' is a 0-d array; a store tensor needs an example axis`, { file: file.path });
    this.exampleBytes = this.shape.slice(1).reduce((a, b) => a * b, 1) * dtypeByteSize(this.dtype);
    // Fortran order only differs from C order when more than one axis has length > 1.
    this.fortran = header.fortranOrder && this.shape.filter((d) => d > 1).length > 1;
    if (file.mapped && !this.fortran) {
      this.readFloat16 = (start, _count, dst) => file.readFloat16At(header.dataOffset + start * this.exampleBytes, dst);
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

/** Opens the `.npy` file at `path` as tensor `name`. */
export async function openNpySource(path: string, name: string, useNative = true): Promise<{ source: TensorSource; file: PositionalFile }> {
  const file = await PositionalFile.open(path, useNative);
  try {
    return { source: new NpySource(name, file, await readNpyHeader(file)), file };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** Opens a single `.npy` file as a store holding only the activations (no metadata unless given). */
export async function openNpyFileStore(path: string, options: OpenStoreOptions): Promise<ActivationStore> {
  const { source, file } = await openNpySource(path, options.activations ?? 'hidden_state_activations', options.native ?? true);
  try {
    return new BaseStore({ path, container: 'npy', sources: [source], metadata: undefined, options, close: () => file.close() });
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** Reads and validates `metadata.json` in `dir`, or returns undefined when there is none. */
async function readDirMetadata(dir: string): Promise<StoreMetadata | undefined> {
  const path = join(dir, 'metadata.json');
  let text: string;
  try {
    const f = await PositionalFile.open(path, false);
    try {
      if (f.size > MAX_METADATA_BYTES) throw new FileFormatError(`metadata.json of ${f.size} bytes is too large`, { file: path });
    } finally {
      await f.close();
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof FileFormatError && /ENOENT/.test(error.message)) return undefined;
    throw error;
  }
  return parseStoreMetadata(text, path);
}

/** Opens a directory of `<name>.npy` files plus `metadata.json` as one store. */
export async function openNpyDirStore(dir: string, options: OpenStoreOptions): Promise<ActivationStore> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.npy')).sort();
  if (names.length === 0) throw new FileFormatError('directory holds no .npy files', { file: dir });
  const opened: { source: TensorSource; file: PositionalFile }[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(opened.map((o) => o.file.close()));
  };
  try {
    const metadata = await readDirMetadata(dir);
    for (const name of names) opened.push(await openNpySource(join(dir, name), basename(name, '.npy'), options.native ?? true));
    return new BaseStore({ path: dir, container: 'npy-dir', sources: opened.map((o) => o.source), metadata, options, close: closeAll });
  } catch (error) {
    await closeAll();
    throw error;
  }
}
