/**
 * What HDF5 stores share in Node and in a page: the file signature, the root attribute holding the metadata, and
 * the mapping of h5wasm dataset types to store dtypes. Browser-safe (h5wasm types only).
 */
import type * as H5 from 'h5wasm';
import { FileFormatError } from '../../errors.js';
import { checkedElementCount, dtypeByteSize, type StoreDtype } from '../dtype.js';

/** Largest HDF5 file opened in a page, where it is copied whole into h5wasm's heap (capped at 2 GiB): 1 GiB. */
export const MAX_HDF5_BYTES = 1 << 30;

/** Root attribute holding the metadata JSON. */
export const HDF5_METADATA_ATTRIBUTE = 'bertvision_metadata';

/** The 8-byte HDF5 signature; it sits at offset 0, 512, 1024, … (after an optional user block). */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when `bytes` (read from offset 0) shows an HDF5 signature at 0 or at the first user-block offset. */
export function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

/** Maps h5wasm dataset metadata to a store dtype, or undefined for strings (ignored); throws for other types. */
export function dtypeOf(meta: H5.Metadata, file: string, name: string): StoreDtype | undefined {
  if (meta.type === 3) return undefined; // strings: not a store tensor
  if (!meta.littleEndian && meta.size > 1)
    throw new FileFormatError(`dataset '${name}' is big-endian (unsupported)`, { file });
  if (meta.type === 1 && meta.size === 2) return 'float16';
  if (meta.type === 1 && meta.size === 4) return 'float32';
  if (meta.type === 1 && meta.size === 8) return 'float64';
  if (meta.type === 0 && meta.signed && meta.size === 4) return 'int32';
  if (meta.type === 0 && meta.signed && meta.size === 8) return 'int64';
  if (meta.type === 0 && !meta.signed && meta.size === 1) return 'uint8';
  const members = meta.enum_type?.members;
  if (meta.type === 8 && meta.size === 1 && members && members['FALSE'] === 0 && members['TRUE'] === 1) return 'bool';
  throw new FileFormatError(`dataset '${name}' has an unsupported type (class ${meta.type}, ${meta.size} bytes)`, {
    file,
  });
}

/** One root dataset of an HDF5 store, usable as a store tensor. */
export interface DatasetInfo {
  name: string;
  dtype: StoreDtype;
  shape: number[];
}

/**
 * The store tensor a root dataset is, from its h5wasm metadata: `undefined` for what a store skips (no shape, string
 * data), a FileFormatError naming the file for a scalar or an unsupported type, a ShapeError for an element count too
 * large to address. Shared by the file store and the in-memory (browser) store.
 */
/** Largest example one HDF5 read can hold (the wasm heap is capped at 2 GiB). */
const MAX_EXAMPLE_BYTES = 2 ** 30;

export function datasetInfo(name: string, meta: H5.Metadata | undefined, file: string): DatasetInfo | undefined {
  if (!meta?.shape) return undefined;
  const dtype = dtypeOf(meta, file, name);
  if (!dtype) return undefined;
  checkedElementCount(meta.shape, file, name);
  const exampleBytes = meta.shape.slice(1).reduce((a, b) => a * b, 1) * dtypeByteSize(dtype);
  if (exampleBytes > MAX_EXAMPLE_BYTES) {
    throw new FileFormatError(
      `dataset '${name}' declares shape [${meta.shape.join(', ')}]: ${exampleBytes} bytes per example, over the ` +
        `${MAX_EXAMPLE_BYTES}-byte limit of one HDF5 read (a corrupt shape?)`,
      { file },
    );
  }
  if (meta.shape.length === 0)
    throw new FileFormatError(`dataset '${name}' is a scalar; a store tensor needs an example axis`, { file });
  return { name, dtype, shape: [...meta.shape] };
}
