/**
 * The training checkpoint format: one self-checking binary blob holding the model's weights (trainable and not),
 * the optimizer's complete state, and the trainer's position and history.
 *
 * Layout: `BVCKPT02` (8 bytes) · header length (uint32 LE) · header (UTF-8 JSON) · tensor data · CRC-32 (uint32 LE)
 * of every byte before it, so that no byte of the file (the trainer state in the header included) can change
 * unnoticed. The header lists the weight specs (name, shape, dtype) of the model and optimizer tensors, the byte
 * length of the data and the trainer state. Version 1 files (`BVCKPT01`, whose CRC covered the data only) are
 * refused. Browser-safe: produces and consumes bytes only.
 */
import * as tf from '@tensorflow/tfjs';
import { FileFormatError, InvalidArgumentError } from '../errors.js';
import { crc32 } from './crc32.js';
import type { NamedTensor } from './optimizer-state.js';
import type { TrainerState } from './trainer-state.js';

const MAGIC = 'BVCKPT02';
const MAGIC_V1 = 'BVCKPT01';
/** Magic, header length; and the trailing CRC-32. */
const PREFIX_BYTES = 12;
const TRAILER_BYTES = 4;
/** Refuse headers larger than this: a corrupt length must not trigger a huge allocation. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

interface CheckpointHeader {
  format: 'bertvision-checkpoint';
  version: 2;
  state: TrainerState;
  model: tf.io.WeightsManifestEntry[];
  optimizer: tf.io.WeightsManifestEntry[];
  dataBytes: number;
}

/** A decoded checkpoint. The tensors are owned by the caller. */
export interface Checkpoint {
  state: TrainerState;
  modelWeights: NamedTensor[];
  optimizerState: NamedTensor[];
}

/** The bytes of each tensor, one chunk per tensor (no concatenated copy), and their specs. */
async function encodeGroup(
  tensors: NamedTensor[],
): Promise<{ chunks: Uint8Array[]; bytes: number; specs: tf.io.WeightsManifestEntry[] }> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (const { name, tensor } of tensors) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32' && tensor.dtype !== 'bool') {
      throw new InvalidArgumentError(
        `checkpoint tensor '${name}' is ${tensor.dtype}: only float32, int32 and bool are stored`,
      );
    }
    const values = (await tensor.data()) as Float32Array | Int32Array | Uint8Array;
    chunks.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    specs.push({ name, shape: [...tensor.shape], dtype: tensor.dtype });
    bytes += values.byteLength;
  }
  return { chunks, bytes, specs };
}

/**
 * Encode a checkpoint as chunks (header, each model tensor, each optimizer tensor, CRC trailer), ready for an atomic
 * chunked write.
 * Does not dispose the given tensors.
 */
export async function encodeCheckpoint(checkpoint: Checkpoint): Promise<Uint8Array[]> {
  const model = await encodeGroup(checkpoint.modelWeights);
  const optimizer = await encodeGroup(checkpoint.optimizerState);
  const header: CheckpointHeader = {
    format: 'bertvision-checkpoint',
    version: 2,
    state: checkpoint.state,
    model: model.specs,
    optimizer: optimizer.specs,
    dataBytes: model.bytes + optimizer.bytes,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const prefix = new Uint8Array(PREFIX_BYTES + headerBytes.byteLength);
  prefix.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(prefix.buffer).setUint32(8, headerBytes.byteLength, true);
  prefix.set(headerBytes, PREFIX_BYTES);
  const body = [prefix, ...model.chunks, ...optimizer.chunks];
  const trailer = new Uint8Array(TRAILER_BYTES);
  new DataView(trailer.buffer).setUint32(
    0,
    body.reduce((crc, chunk) => crc32(chunk, crc), 0),
    true,
  );
  return [...body, trailer];
}

function specBytes(specs: tf.io.WeightsManifestEntry[], file: string): number {
  const sizes: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
  let total = 0;
  for (const spec of specs) {
    const size = sizes[spec.dtype];
    if (size === undefined || !Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new FileFormatError(`checkpoint tensor '${spec.name}' has an invalid dtype or shape`, { file });
    }
    total += spec.shape.reduce((a, b) => a * b, 1) * size;
  }
  return total;
}

/**
 * Decode and verify a checkpoint (magic, header bounds, JSON, tensor sizes, CRC-32).
 * @param file used in error messages.
 * @throws FileFormatError naming `file` and the problem when the bytes are not a complete, intact checkpoint.
 */
export function decodeCheckpoint(bytes: Uint8Array, file: string): Checkpoint {
  const magic = bytes.byteLength >= 8 ? new TextDecoder().decode(bytes.subarray(0, 8)) : '';
  if (magic === MAGIC_V1) {
    throw new FileFormatError(
      'checkpoint format 1 (written by an older bertvision, its header not checksummed) is no longer read; ' +
        'start the run again in a new output directory',
      { file },
    );
  }
  if (bytes.byteLength < PREFIX_BYTES + TRAILER_BYTES || magic !== MAGIC) {
    throw new FileFormatError('not a bertvision checkpoint (bad magic bytes)', { file });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const body = bytes.byteLength - TRAILER_BYTES;
  if (crc32(bytes.subarray(0, body)) !== view.getUint32(body, true)) {
    throw new FileFormatError('checkpoint fails its CRC-32 check (header or data changed, or truncated): corrupt', {
      file,
    });
  }
  const headerLength = view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES || PREFIX_BYTES + headerLength > body) {
    throw new FileFormatError(
      `checkpoint header length ${headerLength} runs past the end of the file (${bytes.byteLength} bytes): truncated?`,
      { file },
    );
  }
  let header: CheckpointHeader;
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength)),
    ) as CheckpointHeader;
  } catch (cause) {
    throw new FileFormatError('checkpoint header is not valid JSON', { file, cause });
  }
  if (header.format !== 'bertvision-checkpoint' || header.version !== 2) {
    throw new FileFormatError(`unsupported checkpoint format ${String(header.format)} v${String(header.version)}`, {
      file,
    });
  }
  const data = bytes.subarray(PREFIX_BYTES + headerLength, body);
  const modelBytes = specBytes(header.model, file);
  const optimizerBytes = specBytes(header.optimizer, file);
  if (data.byteLength !== header.dataBytes || modelBytes + optimizerBytes !== header.dataBytes) {
    throw new FileFormatError(
      `checkpoint data is ${data.byteLength} bytes, expected ${modelBytes + optimizerBytes}: truncated or corrupt`,
      { file },
    );
  }
  // Copy into fresh ArrayBuffers: `bytes` may be a view into a larger (pooled) buffer, as Node's Buffers are.
  const copy = (start: number, length: number): ArrayBuffer => {
    const out = new Uint8Array(length);
    out.set(data.subarray(start, start + length));
    return out.buffer;
  };
  const decode = (buffer: ArrayBuffer, specs: tf.io.WeightsManifestEntry[]): NamedTensor[] =>
    Object.entries(tf.io.decodeWeights(buffer, specs)).map(([name, tensor]) => ({ name, tensor }));
  return {
    state: header.state,
    modelWeights: decode(copy(0, modelBytes), header.model),
    optimizerState: decode(copy(modelBytes, optimizerBytes), header.optimizer),
  };
}
