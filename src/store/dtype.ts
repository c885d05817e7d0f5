/**
 * Element types an activation store may hold, their sizes on disk, and the typed arrays `read` returns for them.
 * Browser-safe.
 */
import { FileFormatError } from '../errors.js';

/** Element type of a stored tensor. `float16` is decoded to `float32` when read. */
export type StoreDtype = 'float16' | 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool';

/** Every supported dtype, in a stable order. */
export const STORE_DTYPES: readonly StoreDtype[] = ['float16', 'float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];

/** The typed array `read` returns: float16/float32 → Float32Array, float64 → Float64Array, int32 → Int32Array,
 * int64 → BigInt64Array, uint8/bool → Uint8Array. */
/** What reads deliver. A `Uint16Array` only as the stored bits of float16 (see `ActivationStore.float16Bits`). */
export type StoreArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;

/** Bytes per element on disk. */
export function dtypeByteSize(dtype: StoreDtype): number {
  switch (dtype) {
    case 'float16':
      return 2;
    case 'float32':
    case 'int32':
      return 4;
    case 'float64':
    case 'int64':
      return 8;
    case 'uint8':
    case 'bool':
      return 1;
  }
}

/** Allocates the array `read` returns for `length` elements of `dtype`. */
export function allocateStoreArray(dtype: StoreDtype, length: number): StoreArray {
  switch (dtype) {
    case 'float16':
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(length);
  }
}

/** True when `array` is the kind of typed array `read` returns for `dtype`. */
export function isStoreArrayFor(dtype: StoreDtype, array: StoreArray): boolean {
  switch (dtype) {
    case 'float16':
      return array instanceof Float32Array || array instanceof Uint16Array;
    case 'float32':
      return array instanceof Float32Array;
    case 'float64':
      return array instanceof Float64Array;
    case 'int32':
      return array instanceof Int32Array;
    case 'int64':
      return array instanceof BigInt64Array;
    case 'uint8':
    case 'bool':
      return array instanceof Uint8Array;
  }
}

/** Largest element count we accept in one tensor (2^53 would lose precision; this keeps byte offsets exact). */
const MAX_ELEMENTS = 2 ** 50;

/**
 * Product of `shape`, checked: every dimension a non-negative safe integer and the product below 2^50 elements.
 * Header parsers call this before allocating anything, so a hostile shape can never cause a huge allocation.
 * @throws FileFormatError naming `file` when a dimension is invalid or the product overflows.
 */
export function checkedElementCount(shape: readonly number[], file: string, tensor: string): number {
  let product = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new FileFormatError(
        `tensor '${tensor}' has an invalid dimension ${String(dim)} in shape [${shape.join(', ')}]`,
        { file },
      );
    }
    product *= dim;
    if (product > MAX_ELEMENTS) {
      throw new FileFormatError(`tensor '${tensor}' shape [${shape.join(', ')}] has too many elements (overflow)`, {
        file,
      });
    }
  }
  return product;
}
