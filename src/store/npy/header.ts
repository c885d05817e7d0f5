/**
 * The `.npy` header (NumPy format versions 1.0, 2.0 and 3.0): parse and build. Browser-safe; pure functions over
 * bytes. https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import { FileFormatError, InvalidArgumentError } from '../../errors.js';
import { checkedElementCount, dtypeByteSize, type StoreDtype } from '../dtype.js';

/** What an `.npy` header says about the array that follows it. */
export interface NpyHeader {
  /** Element type. */
  dtype: StoreDtype;
  /** Array shape (C order as NumPy reports it, whatever `fortranOrder` is). */
  shape: number[];
  /** True when the data is stored column-major (Fortran order). */
  fortranOrder: boolean;
  /** Byte offset where the data starts. */
  dataOffset: number;
  /** Bytes of data the shape implies. */
  dataBytes: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Largest header we accept (NumPy itself limits headers to 10 KiB by default). */
const MAX_HEADER_BYTES = 1 << 20;
/** Bytes to read from the start of a file to be sure of having the whole header length prefix. */
export const NPY_PREFIX_BYTES = 12;

const DESCR_TO_DTYPE: Record<string, StoreDtype> = {
  '<f2': 'float16',
  '<f4': 'float32',
  '<f8': 'float64',
  '<i4': 'int32',
  '<i8': 'int64',
  '|u1': 'uint8',
  '|b1': 'bool',
};

const DTYPE_TO_DESCR: Record<StoreDtype, string> = {
  float16: '<f2',
  float32: '<f4',
  float64: '<f8',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
  bool: '|b1',
};

/**
 * Reads the header length from the first bytes of an `.npy` file.
 * @returns the total header size (prefix + dictionary), i.e. where the data starts.
 * @throws FileFormatError (naming `file`) on a bad magic string, an unknown version or a header length past the
 *   end of the file.
 */
export function npyHeaderSize(prefix: Uint8Array, fileSize: number, file: string): number {
  if (prefix.length < 10 || MAGIC.some((b, i) => prefix[i] !== b)) {
    throw new FileFormatError('not an .npy file (bad magic string)', { file });
  }
  const major = prefix[6]!;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let size: number;
  if (major === 1) size = 10 + view.getUint16(8, true);
  else if (major === 2 || major === 3) {
    if (prefix.length < 12) throw new FileFormatError('.npy header truncated', { file });
    size = 12 + view.getUint32(8, true);
  } else throw new FileFormatError(`unsupported .npy format version ${major}.${prefix[7]!}`, { file });
  if (size - 12 > MAX_HEADER_BYTES) throw new FileFormatError(`.npy header of ${size} bytes is too large`, { file });
  if (size > fileSize) {
    throw new FileFormatError(`.npy header length ${size} runs past the end of the file (${fileSize} bytes)`, { file });
  }
  return size;
}

/** Parses `'key': value` pairs of the header dictionary (a Python literal, not JSON). */
function parseDictionary(text: string, file: string): { descr: string; fortran: boolean; shape: number[] } {
  const fail = (what: string): never => {
    throw new FileFormatError(`.npy header ${what}: ${JSON.stringify(text.slice(0, 200))}`, { file });
  };
  // NumPy evaluates the dictionary as a Python literal (a repeated key keeps its last value) and requires exactly
  // these three keys: refuse a repeat or another key rather than read the file differently from NumPy.
  const keys = [...text.matchAll(/['"]([^'"]*)['"]\s*:/g)].map((m) => m[1]!);
  for (const key of new Set(keys)) {
    if (keys.filter((k) => k === key).length > 1) fail(`repeats the key '${key}'`);
    if (!['descr', 'fortran_order', 'shape'].includes(key))
      fail(`has the key '${key}' (NumPy allows only descr, fortran_order, shape)`);
  }
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1] ?? fail('has no descr');
  const fortranText = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1] ?? fail('has no fortran_order');
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1] ?? fail('has no shape');
  if (!/^\s*\{.*\}\s*$/s.test(text)) fail('is not a dictionary');
  const parts = shapeText.split(',').map((s) => s.trim());
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const shape =
    parts[0] === '' && parts.length === 1
      ? []
      : parts.map((s) => (/^\d+$/.test(s) ? Number(s) : fail(`has a bad shape entry '${s}'`)));
  return { descr, fortran: fortranText === 'True', shape };
}

/**
 * Parses the whole header (`bytes` = the first `npyHeaderSize` bytes of the file) and checks the data fits in the
 * file.
 * @throws FileFormatError (naming `file`) on a malformed dictionary, an unsupported dtype (big-endian included),
 *   a shape whose product overflows, or data running past the end of the file (truncated file).
 */
export function parseNpyHeader(bytes: Uint8Array, fileSize: number, file: string): NpyHeader {
  const dataOffset = npyHeaderSize(bytes, fileSize, file);
  if (bytes.length < dataOffset) throw new FileFormatError('.npy header truncated', { file });
  const start = bytes[6] === 1 ? 10 : 12;
  const encoding = bytes[6] === 3 ? 'utf-8' : 'latin1';
  const text = new TextDecoder(encoding).decode(bytes.subarray(start, dataOffset));
  const { descr, fortran, shape } = parseDictionary(text, file);
  const dtype = DESCR_TO_DTYPE[descr.replace(/^=/, '<')];
  if (!dtype)
    throw new FileFormatError(
      `unsupported .npy dtype '${descr}' (supported: ${Object.keys(DESCR_TO_DTYPE).join(', ')})`,
      { file },
    );
  const count = checkedElementCount(shape, file, 'array');
  const dataBytes = count * dtypeByteSize(dtype);
  if (dataOffset + dataBytes > fileSize) {
    throw new FileFormatError(
      `truncated: shape [${shape.join(', ')}] of ${dtype} needs ${dataBytes} data bytes ` +
        `but only ${fileSize - dataOffset} follow the header`,
      { file },
    );
  }
  return { dtype, shape, fortranOrder: fortran, dataOffset, dataBytes };
}

/**
 * Builds a version-1.0 (or 2.0 when needed) `.npy` header for a C-order array, padded with spaces so the data
 * starts on a 64-byte boundary as NumPy requires.
 */
export function buildNpyHeader(dtype: StoreDtype, shape: readonly number[]): Uint8Array {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new InvalidArgumentError(`bad .npy shape [${shape.join(', ')}]`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]!},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DTYPE_TO_DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > 0xffff) {
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  }
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = prefix === 10 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (prefix === 10) view.setUint16(8, total - prefix, true);
  else view.setUint32(8, total - prefix, true);
  const body = dict.padEnd(total - prefix - 1, ' ') + '\n';
  for (let i = 0; i < body.length; i++) out[prefix + i] = body.charCodeAt(i);
  return out;
}
