/**
 * Store metadata (docs/store-format.md "Metadata"): parse it, and check it against what a model or a second store
 * expects. Browser-safe.
 */
import { FileFormatError, MismatchError } from '../errors.js';

/** The metadata object of a bertvision activation store (format version 1). Unknown extra keys are kept. */
export interface StoreMetadata {
  /** Always `"bertvision-activations"`. */
  format: 'bertvision-activations';
  /** Format version (1). */
  version: number;
  /** HF id or local path name of the encoder. */
  model_id: string;
  /** Git revision, or `sha256:<hex>` of the weights file. */
  model_revision: string;
  /** Tokenizer id (usually equals `model_id`). */
  tokenizer_id: string;
  /** Window length in tokens. */
  max_seq_length: number;
  /** Overlap stride between windows. */
  doc_stride: number;
  /** Longest question in tokens, or null for no limit. */
  max_query_length: number | null;
  /** `"all"` token positions or `"cls"` only. */
  positions: 'all' | 'cls';
  /** What each channel of the last (layer) axis is. */
  channels: string[];
  /** dtype of `hidden_state_activations`. */
  dtype: 'float16' | 'float32';
  /** SQuAD question ids, indexed by the `example_index` tensor. */
  example_ids?: string[];
  /** The SQuAD JSON the windows came from. */
  source?: { file: string; sha256: string };
  /** Tool and version that wrote the store. */
  created_by?: string;
  /** Any further keys a producer added. */
  [key: string]: unknown;
}

/** The keys that must be equal for two stores (or a store and a model) to be used together. */
export const COMPATIBILITY_KEYS = [
  'model_id',
  'model_revision',
  'tokenizer_id',
  'max_seq_length',
  'doc_stride',
  'max_query_length',
  'positions',
  'channels',
] as const;

/** One of the keys compared by `checkCompatible`. */
export type CompatibilityKey = (typeof COMPATIBILITY_KEYS)[number];

/** What a consumer requires of a store's metadata: any subset of the compatibility keys plus `dtype`. */
export type ExpectedMetadata = Partial<Pick<StoreMetadata, CompatibilityKey | 'dtype'>>;

/**
 * Parses and validates a metadata JSON string read from `file`.
 * @throws FileFormatError naming the file and the key when the JSON is invalid or a required key is missing or
 *   has the wrong type.
 */
export function parseStoreMetadata(json: string, file: string): StoreMetadata {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new FileFormatError('store metadata is not valid JSON', { file, cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FileFormatError('store metadata is not a JSON object', { file });
  }
  const m = value as Record<string, unknown>;
  const need = (key: string, ok: (v: unknown) => boolean, type: string): void => {
    if (!ok(m[key])) throw new FileFormatError(`store metadata '${key}' is missing or not ${type}`, { file });
  };
  const isString = (v: unknown): boolean => typeof v === 'string';
  const isInt = (v: unknown): boolean => Number.isSafeInteger(v);
  need('format', (v) => v === 'bertvision-activations', '"bertvision-activations"');
  need('version', (v) => v === 1, 'the supported version 1');
  for (const key of ['model_id', 'model_revision', 'tokenizer_id']) need(key, isString, 'a string');
  for (const key of ['max_seq_length', 'doc_stride']) need(key, isInt, 'an integer');
  need('max_query_length', (v) => v === null || isInt(v), 'an integer or null');
  need('positions', (v) => v === 'all' || v === 'cls', '"all" or "cls"');
  need('channels', (v) => Array.isArray(v) && v.every(isString), 'an array of strings');
  need('dtype', (v) => v === 'float16' || v === 'float32', '"float16" or "float32"');
  if (m['example_ids'] !== undefined)
    need('example_ids', (v) => Array.isArray(v) && v.every(isString), 'an array of strings');
  return m as StoreMetadata;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Checks that a store's metadata has the values `expected` names (e.g. what a model was built for).
 * @param what how to call the expectation in the message (default `'the model'`).
 * @throws MismatchError naming the store file, every differing key and both values; also when the store has no
 *   metadata at all.
 */
export function checkExpectedMetadata(
  metadata: StoreMetadata | undefined,
  expected: ExpectedMetadata,
  file: string,
  what = 'the model',
): void {
  if (!metadata)
    throw new MismatchError(`store has no bertvision metadata, so it cannot be checked against ${what}`, { file });
  const diffs = Object.entries(expected)
    .filter(([key, value]) => value !== undefined && !same(metadata[key], value))
    .map(([key, value]) => `${key}: store has ${describe(metadata[key])}, ${what} expects ${describe(value)}`);
  if (diffs.length > 0) throw new MismatchError(`store does not match ${what}: ${diffs.join('; ')}`, { file });
}

/**
 * Checks two stores may be used together (every key of `COMPATIBILITY_KEYS` equal).
 * @throws MismatchError naming both files and every differing key.
 */
export function checkCompatible(
  a: StoreMetadata | undefined,
  fileA: string,
  b: StoreMetadata | undefined,
  fileB: string,
): void {
  if (!b)
    throw new MismatchError(`store has no bertvision metadata, so it cannot be checked against ${fileA}`, {
      file: fileB,
    });
  const expected: ExpectedMetadata = {};
  for (const key of COMPATIBILITY_KEYS) Object.assign(expected, { [key]: b[key] });
  checkExpectedMetadata(a, expected, fileA, `store ${fileB}`);
}

/**
 * Check that store metadata agrees with the activation tensor it describes: as many `channels` as the layer
 * axis holds, the same `dtype`, and (layers-last `[N, S, H, L]` stores) one position per window for
 * `positions: 'cls'`, at most `max_seq_length` for `'all'`.
 * @throws FileFormatError naming the store and every contradiction.
 */
export function checkMetadataAgainstShape(
  metadata: StoreMetadata | undefined,
  activations: { shape: readonly number[]; dtype: string },
  layerAxis: number,
  file: string,
): void {
  if (!metadata) return;
  const { shape, dtype } = activations;
  const problems: string[] = [];
  const layers = shape[layerAxis];
  if (Array.isArray(metadata.channels) && layers !== undefined && metadata.channels.length !== layers) {
    problems.push(`metadata lists ${metadata.channels.length} channels but the activations hold ${layers}`);
  }
  if ((dtype === 'float16' || dtype === 'float32') && metadata.dtype !== dtype) {
    problems.push(`metadata says dtype ${metadata.dtype} but the activations are ${dtype}`);
  }
  if (shape.length === 4 && layerAxis === 3) {
    const positions = shape[1]!;
    if (metadata.positions === 'cls' && positions !== 1) {
      problems.push(`metadata says positions 'cls' but the activations hold ${positions} positions per window`);
    }
    if (
      metadata.positions === 'all' &&
      Number.isInteger(metadata.max_seq_length) &&
      positions > metadata.max_seq_length
    ) {
      problems.push(
        `the activations hold ${positions} positions per window, more than max_seq_length ${metadata.max_seq_length}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new FileFormatError(`metadata contradicts the tensors: ${problems.join('; ')}`, { file });
  }
}
