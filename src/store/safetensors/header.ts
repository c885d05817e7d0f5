/**
 * The `.safetensors` header: an 8-byte little-endian length, a JSON object of tensors (dtype, shape, data_offsets)
 * and an optional string map `__metadata__`, then the data. Parse (with every check a hostile file needs) and
 * build. Browser-safe. https://github.com/huggingface/safetensors
 */
import { FileFormatError, InvalidArgumentError } from '../../errors.js';
import { checkedElementCount, dtypeByteSize, type StoreDtype } from '../dtype.js';

/** Largest header accepted (safetensors' own limit): 100 MB. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

/** One tensor in a safetensors file. */
export interface SafetensorsEntry {
  /** Element type. */
  dtype: StoreDtype;
  /** Shape. */
  shape: number[];
  /** Absolute byte offset of the first element in the file. */
  offset: number;
  /** Bytes of data. */
  byteLength: number;
}

/** A parsed safetensors header. */
export interface SafetensorsHeader {
  /** Tensors by name. */
  tensors: Map<string, SafetensorsEntry>;
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
  /** Absolute offset where the data section starts (8 + header length). */
  dataOffset: number;
}

const CODE_TO_DTYPE: Record<string, StoreDtype> = {
  F16: 'float16',
  F32: 'float32',
  F64: 'float64',
  I32: 'int32',
  I64: 'int64',
  U8: 'uint8',
  BOOL: 'bool',
};

const DTYPE_TO_CODE: Record<StoreDtype, string> = {
  float16: 'F16',
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
  int64: 'I64',
  uint8: 'U8',
  bool: 'BOOL',
};

/**
 * Reads the header length from the first 8 bytes.
 * @throws FileFormatError (naming `file`) when the file is shorter than 8 bytes, the header is over 100 MB, or
 *   the header runs past the end of the file.
 */
export function safetensorsHeaderLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (prefix.length < 8 || fileSize < 8)
    throw new FileFormatError('truncated: shorter than the 8-byte safetensors header length', { file });
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new FileFormatError(`safetensors header length ${length} exceeds the 100 MB limit`, { file });
  }
  const n = Number(length);
  if (8 + n > fileSize)
    throw new FileFormatError(`safetensors header length ${n} runs past the end of the file (${fileSize} bytes)`, {
      file,
    });
  return n;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseEntry(name: string, raw: unknown, dataOffset: number, dataBytes: number, file: string): SafetensorsEntry {
  const bad = (what: string): never => {
    throw new FileFormatError(`safetensors tensor '${name}' ${what}`, { file });
  };
  if (!isRecord(raw)) return bad('is not an object');
  const code = raw['dtype'];
  if (typeof code !== 'string') return bad('has no dtype');
  const dtype = CODE_TO_DTYPE[code];
  if (!dtype) return bad(`has unsupported dtype '${code}' (supported: ${Object.keys(CODE_TO_DTYPE).join(', ')})`);
  const shape = raw['shape'];
  if (!Array.isArray(shape) || !shape.every((d): d is number => typeof d === 'number'))
    return bad('has no valid shape');
  const offsets = raw['data_offsets'];
  if (!Array.isArray(offsets) || offsets.length !== 2) return bad('has no data_offsets [begin, end]');
  const [begin, end] = offsets as unknown[];
  if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end)) return bad('has non-integer data_offsets');
  const b = begin as number;
  const e = end as number;
  if (b < 0 || e < b) return bad(`has invalid data_offsets [${b}, ${e}]`);
  if (e > dataBytes)
    return bad(
      `data_offsets [${b}, ${e}] run past the end of the file (data section is ${dataBytes} bytes): truncated?`,
    );
  const expected = checkedElementCount(shape, file, name) * dtypeByteSize(dtype);
  if (e - b !== expected)
    return bad(`data_offsets span ${e - b} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${expected}`);
  return { dtype, shape: [...shape], offset: dataOffset + b, byteLength: e - b };
}

/**
 * Parses the JSON header (`json` = the header bytes after the 8-byte length) of a file of `fileSize` bytes.
 * @throws FileFormatError (naming `file`) on invalid JSON, unknown dtypes, shape/offset disagreements, offsets
 *   past the end of the file or overlapping another tensor's, or a non-string `__metadata__` value.
 */
export function parseSafetensorsHeader(json: Uint8Array, fileSize: number, file: string): SafetensorsHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (cause) {
    throw new FileFormatError('safetensors header is not valid UTF-8 JSON', { file, cause });
  }
  if (!isRecord(parsed)) throw new FileFormatError('safetensors header is not a JSON object', { file });
  const dataOffset = 8 + json.length;
  const dataBytes = fileSize - dataOffset;
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      if (!isRecord(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
        throw new FileFormatError('safetensors __metadata__ must map strings to strings', { file });
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    tensors.set(name, parseEntry(name, raw, dataOffset, dataBytes, file));
  }
  const spans = [...tensors.entries()].filter(([, t]) => t.byteLength > 0).sort((a, b) => a[1].offset - b[1].offset);
  for (let i = 1; i < spans.length; i++) {
    const [prevName, prev] = spans[i - 1]!;
    const [name, cur] = spans[i]!;
    if (cur.offset < prev.offset + prev.byteLength) {
      throw new FileFormatError(`safetensors tensors '${prevName}' and '${name}' have overlapping data_offsets`, {
        file,
      });
    }
  }
  return { tensors, metadata, dataOffset };
}

/** A tensor to lay out in a new safetensors file. */
export interface SafetensorsLayoutEntry {
  /** Name. */
  name: string;
  /** Element type. */
  dtype: StoreDtype;
  /** Shape. */
  shape: readonly number[];
}

/**
 * Builds the header for `entries` laid out back to back in the given order, padded with spaces to a multiple of 8
 * bytes (as the reference writer does). Returns the bytes to write at offset 0 and each tensor's absolute offset.
 */
export function buildSafetensorsHeader(
  entries: readonly SafetensorsLayoutEntry[],
  metadata: Record<string, string>,
): { bytes: Uint8Array; offsets: Map<string, number> } {
  const json: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) json['__metadata__'] = metadata;
  let cursor = 0;
  const relative = new Map<string, number>();
  for (const e of entries) {
    if (e.name === '__metadata__') throw new InvalidArgumentError("a tensor cannot be named '__metadata__'");
    const bytes = checkedElementCount(e.shape, '<new safetensors file>', e.name) * dtypeByteSize(e.dtype);
    json[e.name] = { dtype: DTYPE_TO_CODE[e.dtype], shape: [...e.shape], data_offsets: [cursor, cursor + bytes] };
    relative.set(e.name, cursor);
    cursor += bytes;
  }
  let text = JSON.stringify(json);
  const encoded = new TextEncoder().encode(text);
  const padded = Math.ceil(encoded.length / 8) * 8;
  text += ' '.repeat(padded - encoded.length);
  const body = new TextEncoder().encode(text);
  const bytes = new Uint8Array(8 + body.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(body.length), true);
  bytes.set(body, 8);
  const offsets = new Map([...relative].map(([name, off]) => [name, bytes.length + off]));
  return { bytes, offsets };
}
