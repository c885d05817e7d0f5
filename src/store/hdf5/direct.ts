/**
 * Reads of HDF5 datasets whose storage {@link locateDatasets} located: straight from the file (memory-mapped with
 * the native addon, else positional fs reads), run by run, bypassing h5wasm's heap. Node only.
 */
import { dtypeByteSize, type StoreDtype } from '../dtype.js';
import { locateDatasets, type DirectLayout } from './layout.js';
import { PositionalFile } from '../../platform/positional-file.js';

/** Largest example (bytes) compared between h5wasm and the direct reader when a file is opened. */
const VERIFY_BYTES = 8 << 20;

/** Direct reads of one dataset. */
export class DirectDataset {
  private readonly exampleBytes: number;

  constructor(
    private readonly file: PositionalFile,
    private readonly layout: DirectLayout,
    shape: number[],
    dtype: StoreDtype,
  ) {
    this.exampleBytes = shape.slice(1).reduce((a, b) => a * b, 1) * dtypeByteSize(dtype);
  }

  /** Whether float16 can be decoded natively while reading (the file is memory-mapped). */
  get decodesFloat16(): boolean {
    return this.file.mapped;
  }

  /** Calls `visit(fileOffset, firstExample, examples)` for each stored run covering `[start, start + count)`. */
  private async eachRun(
    start: number,
    count: number,
    visit: (offset: number, done: number, examples: number) => Promise<void>,
  ): Promise<void> {
    const { starts, offsets } = this.layout;
    let j = upperBound(starts, start) - 1;
    for (let done = 0; done < count; j++) {
      const first = start + done;
      const runEnd = j + 1 < starts.length ? starts[j + 1]! : Infinity;
      const examples = Math.min(count - done, runEnd - first);
      await visit(offsets[j]! + (first - starts[j]!) * this.exampleBytes, done, examples);
      done += examples;
    }
  }

  /** Raw bytes of examples `[start, start + count)` into `dst`. */
  readRaw(start: number, count: number, dst: Uint8Array): Promise<void> {
    const e = this.exampleBytes;
    return this.eachRun(start, count, (offset, done, k) =>
      this.file.readAt(offset, dst.subarray(done * e, (done + k) * e)),
    );
  }

  /** float16 examples `[start, start + count)` decoded into `dst` (needs `decodesFloat16`). */
  readFloat16(start: number, count: number, dst: Float32Array): Promise<void> {
    const perExample = this.exampleBytes / 2;
    return this.eachRun(start, count, (offset, done, k) =>
      this.file.readFloat16At(offset, dst.subarray(done * perExample, (done + k) * perExample)),
    );
  }
}

/** Index of the first element of sorted `values` greater than `x`. */
export function upperBound(values: number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What {@link openDirectDatasets} needs of each dataset, plus a way to read its first example through h5wasm. */
export interface DatasetForDirectReads {
  name: string;
  dtype: StoreDtype;
  shape: number[];
  /** Raw bytes of example 0 as h5wasm reads them (the reference the direct layout is checked against). */
  firstExample: () => Uint8Array;
}

/**
 * Opens `path` for direct reads and locates `datasets`. A located dataset is used only if its first example (when at
 * most 8 MiB) reads byte-identical to h5wasm's. Returns the file (to close with the store; undefined when no dataset
 * was located) and the readers by name.
 */
export async function openDirectDatasets(
  path: string,
  datasets: DatasetForDirectReads[],
  useNative: boolean,
): Promise<{ file: PositionalFile | undefined; readers: Map<string, DirectDataset> }> {
  const file = await PositionalFile.open(path, useNative);
  const readers = new Map<string, DirectDataset>();
  try {
    const wanted = new Map(datasets.map((d) => [d.name, { shape: d.shape, elementSize: dtypeByteSize(d.dtype) }]));
    const layouts = await locateDatasets(file, wanted);
    for (const d of datasets) {
      const layout = layouts.get(d.name);
      if (!layout) continue;
      const reader = new DirectDataset(file, layout, d.shape, d.dtype);
      const exampleBytes = d.shape.slice(1).reduce((a, b) => a * b, 1) * dtypeByteSize(d.dtype);
      if (exampleBytes <= VERIFY_BYTES) {
        const direct = new Uint8Array(exampleBytes);
        await reader.readRaw(0, 1, direct);
        const reference = d.firstExample();
        if (reference.length !== direct.length || !reference.every((b, i) => b === direct[i])) continue;
      }
      readers.set(d.name, reader);
    }
  } catch (error) {
    await file.close();
    throw error;
  }
  if (readers.size === 0) await file.close();
  return { file: readers.size > 0 ? file : undefined, readers };
}
