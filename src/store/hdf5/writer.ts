/**
 * The HDF5 sink of `createStoreWriter` (Node only, h5wasm): one chunked dataset per tensor at the root (the
 * activations one example per chunk), optional gzip, metadata in the root attribute `bertvision_metadata`,
 * written to a temporary file and renamed into place (test/store/writer.test.ts guards the refusal below).
 * h5wasm 0.10.3 cannot create float16 or bool datasets
 * (`create_dataset` only knows 4/8-byte floats), so those are refused with a clear error.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BertVisionError, FileFormatError, InvalidArgumentError } from '../../errors.js';
import type { StoreDtype } from '../dtype.js';
import { HeapBuffer, loadH5wasm, takeWriteFailure } from './h5wasm-runtime.js';
import { asFileError } from '../../platform/file-errors.js';
import { HDF5_METADATA_ATTRIBUTE } from './format.js';
import type { StoreMetadata } from '../metadata.js';
import { temporaryPathFor, type PlannedTensor, type StoreSink } from '../sink.js';
import { publish, removeTemporary } from '../../platform/write-at.js';

/** Target chunk size for tensors other than the activations. */
const CHUNK_BYTES = 1 << 20;
/** Largest single copy into the h5wasm heap while writing. */
const MAX_HEAP_WRITE = 256 << 20;

/** h5wasm (Python struct style) dtype codes of the dtypes it can create. */
const H5_DTYPES: Partial<Record<StoreDtype, string>> = {
  float32: '<f',
  float64: '<d',
  int32: '<i',
  int64: '<q',
  uint8: '<B',
};

/** Creates the temporary HDF5 file with every dataset sized to its declared shape (chunks allocated on write). */
export async function openHdf5Sink(
  path: string,
  tensors: PlannedTensor[],
  metadata: StoreMetadata | undefined,
  gzip: number | undefined,
): Promise<StoreSink> {
  for (const t of tensors) {
    if (!H5_DTYPES[t.dtype]) {
      throw new InvalidArgumentError(
        `HDF5 writer cannot store '${t.name}' as ${t.dtype} (h5wasm 0.10.3 cannot create ${t.dtype} datasets); ` +
          `use ${t.dtype === 'bool' ? 'uint8' : 'float32, or the safetensors/npy format for float16'}`,
        { file: path },
      );
    }
  }
  if (gzip !== undefined && (!Number.isInteger(gzip) || gzip < 1 || gzip > 9))
    throw new InvalidArgumentError(`gzip level ${gzip} is not 1..9`, { file: path });
  const runtime = await loadH5wasm();
  const temporary = temporaryPathFor(path);
  const failIfWriteFailed = (): void => {
    const errno = takeWriteFailure(runtime, resolve(temporary));
    if (errno !== undefined)
      throw asFileError(Object.assign(new Error(errno), { code: errno }), path, 'write the store');
  };
  takeWriteFailure(runtime, resolve(temporary));
  const file = new runtime.h5.File(resolve(temporary), 'w');
  const heap = new HeapBuffer(runtime);
  let closed = false;
  const close = (): void => {
    if (!closed) {
      heap.free();
      file.close();
    }
    closed = true;
  };
  try {
    for (const [i, t] of tensors.entries()) {
      const rest = t.shape.slice(1);
      const perChunk =
        i === 0 || t.exampleBytes === 0
          ? 1
          : Math.max(1, Math.min(t.shape[0]!, Math.floor(CHUNK_BYTES / t.exampleBytes)));
      const dataset = file.create_dataset({
        name: t.name,
        data: [],
        shape: [0, ...rest],
        maxshape: [null, ...rest],
        chunks: [perChunk, ...rest.map((d) => Math.max(1, d))],
        dtype: H5_DTYPES[t.dtype]!,
        ...(gzip !== undefined ? { compression: 'gzip' as const, compression_opts: gzip } : {}),
      });
      dataset.resize(t.shape);
    }
    if (metadata) file.create_attribute(HDF5_METADATA_ATTRIBUTE, JSON.stringify(metadata));
    failIfWriteFailed();
  } catch (error) {
    close();
    await removeTemporary(temporary);
    throw error instanceof BertVisionError
      ? error
      : new FileFormatError(`cannot create HDF5 file: ${error instanceof Error ? error.message : String(error)}`, {
          file: path,
          cause: error,
        });
  }
  const shapes = new Map(tensors.map((t) => [t.name, t.shape]));
  return {
    write: (name, start, count, bytes) => {
      const shape = shapes.get(name)!;
      const exampleBytes = bytes.length / count;
      const perPiece = Math.max(1, Math.floor(MAX_HEAP_WRITE / exampleBytes));
      for (let done = 0; done < count; done += perPiece) {
        const k = Math.min(perPiece, count - done);
        const piece = bytes.subarray(done * exampleBytes, (done + k) * exampleBytes);
        const ptr = heap.reserve(piece.length, path);
        heap.view(piece.length).set(piece);
        const status = runtime.module.set_dataset_data(
          file.file_id,
          '/' + name,
          [BigInt(k), ...shape.slice(1).map(BigInt)],
          [BigInt(start + done), ...shape.slice(1).map(() => 0n)],
          shape.map(() => 1n),
          BigInt(ptr),
        );
        if (status < 0) return Promise.reject(new FileFormatError(`writing '${name}' failed`, { file: path }));
      }
      try {
        failIfWriteFailed();
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve();
    },
    commit: async () => {
      close();
      failIfWriteFailed();
      const handle = await open(temporary, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await publish(temporary, path);
    },
    discard: async () => {
      close();
      await removeTemporary(temporary);
    },
  };
}
