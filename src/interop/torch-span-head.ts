/**
 * The seed's torch span head (`AP_SQuAD` in cbenge509/BERTVision `code/torch/utils/compress_utils.py`, the version
 * behind its reported results: adapter width = sequence length, exact erf GELU) ↔ bertvision's span `adapter-*` head
 * (shared AdapterPooler → flatten (A, L) → position-wise Dense(2) → start/end), through a safetensors state dict.
 *
 * Name mapping (torch `nn.Linear` stores `weight [out, in]`; tfjs Dense/AdapterPooler kernels are `[in, out]`):
 *
 * | torch state-dict key             | shape      | bertvision weight        | shape      |
 * |----------------------------------|------------|--------------------------|------------|
 * | `AP1.pooler_layer.module.weight` | `[A, E]`   | `adapter_pooler/kernel`  | `[E, A]` (transposed) |
 * | `AP1.pooler_layer.module.bias`   | `[A]`      | `adapter_pooler/bias`    | `[A]`      |
 * | `linear1.weight`                 | `[2, A·L]` | `head/kernel`            | `[A·L, 2]` (transposed) |
 * | `linear1.bias`                   | `[2]`      | `head/bias`              | `[2]`      |
 * | `linear2.weight`, `linear2.bias` | `[2, S]`, `[2]` | (none: the seed defines it but its forward never uses it) | |
 *
 * Both flatten `[B, S, A, L]` to `[B, S, A·L]` with L innermost, so the head's input features line up unchanged.
 * The torch input is `[L, B, S, E]`; bertvision's is `[B, S, E, L]` (the same values, permuted).
 */
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { FileFormatError, InvalidArgumentError, WeightsMismatchError } from '../errors.js';
import {
  buildSafetensorsHeader,
  parseSafetensorsHeader,
  safetensorsHeaderLength,
} from '../store/safetensors/header.js';
import { getArchitecture } from '../models/index.js';
import { writeFileAtomic } from '../platform/atomic-file.js';

/** The seed's torch state-dict keys, by role. */
export const TORCH_SPAN_HEAD_KEYS = {
  adapterWeight: 'AP1.pooler_layer.module.weight',
  adapterBias: 'AP1.pooler_layer.module.bias',
  headWeight: 'linear1.weight',
  headBias: 'linear1.bias',
  unusedWeight: 'linear2.weight',
  unusedBias: 'linear2.bias',
} as const;

/** Options of {@link loadTorchSpanHead}. */
export interface LoadTorchSpanHeadOptions {
  /**
   * Tokens per example S. Default: the adapter width A, as in the seed's AP_SQuAD (its width is tied to the sequence
   * length; the state dict does not record S, the head being position-wise).
   */
  sequenceLength?: number;
}

/** A torch head loaded by {@link loadTorchSpanHead}. */
export interface LoadedTorchSpanHead {
  /** The bertvision span head (uncompiled), AdapterPooler with the exact erf GELU. */
  model: tf.LayersModel;
  /** `[S, E, L]` it was built for. */
  inputShape: [number, number, number];
  adapterDim: number;
  /** How S was chosen and which keys were ignored. */
  notes: string[];
}

async function readStateDict(path: string): Promise<Map<string, { shape: number[]; values: Float32Array }>> {
  const bytes = await readFile(path).catch((cause: unknown) => {
    throw new FileFormatError('cannot be read', { file: path, cause });
  });
  const headerLength = safetensorsHeaderLength(bytes.subarray(0, 8), bytes.length, path);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + headerLength), bytes.length, path);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const [name, entry] of header.tensors) {
    if (entry.dtype !== 'float32') {
      throw new FileFormatError(
        `tensor '${name}' is ${entry.dtype}; the torch head is read as float32 (save it with .float())`,
        { file: path },
      );
    }
    const values = new Float32Array(entry.byteLength / 4);
    new Uint8Array(values.buffer).set(bytes.subarray(entry.offset, entry.offset + entry.byteLength));
    out.set(name, { shape: entry.shape, values });
  }
  return out;
}

function transpose2d(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

/**
 * Load the seed's torch `AP_SQuAD` head from a safetensors state dict (`safetensors.torch.save_file(model.state_dict(),
 * path)`) into the matching bertvision span head: `adapter-386` (or `adapter-64` when A = 64) with `adapterDim = A`,
 * input `[S, E, L]` and the exact erf GELU of torch's `nn.GELU()`. See the module docs for the name mapping.
 * @throws WeightsMismatchError listing missing keys, unexpected keys and inconsistent shapes (naming the file and the
 *   key); FileFormatError for an unreadable or non-float32 file.
 * @example
 * ```ts
 * const { model, inputShape } = await loadTorchSpanHead('ap_squad.safetensors');
 * const [start, end] = model.predict(activations) as tf.Tensor[]; // activations [B, S, E, L]
 * ```
 */
export async function loadTorchSpanHead(
  path: string,
  options: LoadTorchSpanHeadOptions = {},
): Promise<LoadedTorchSpanHead> {
  const state = await readStateDict(path);
  const k = TORCH_SPAN_HEAD_KEYS;
  const required = [k.adapterWeight, k.adapterBias, k.headWeight, k.headBias];
  const differences = required.filter((key) => !state.has(key)).map((key) => `key '${key}' is missing`);
  const known = new Set<string>(Object.values(k));
  for (const key of state.keys())
    if (!known.has(key)) differences.push(`key '${key}' is not part of the seed's AP_SQuAD head`);
  const shape = (key: string): number[] => state.get(key)?.shape ?? [];
  const [A = 0, E = 0] = shape(k.adapterWeight);
  const [out = 0, features = 0] = shape(k.headWeight);
  if (differences.length === 0) {
    if (shape(k.adapterWeight).length !== 2)
      differences.push(`key '${k.adapterWeight}' is [${shape(k.adapterWeight).join(', ')}], expected [A, E]`);
    if (shape(k.adapterBias).join() !== `${A}`)
      differences.push(`key '${k.adapterBias}' is [${shape(k.adapterBias).join(', ')}], expected [${A}]`);
    if (out !== 2 || A === 0 || features % A !== 0) {
      differences.push(`key '${k.headWeight}' is [${shape(k.headWeight).join(', ')}], expected [2, A·L] with A = ${A}`);
    }
    if (shape(k.headBias).join() !== '2')
      differences.push(`key '${k.headBias}' is [${shape(k.headBias).join(', ')}], expected [2]`);
  }
  if (differences.length > 0) {
    const layer = /key '([^']+)'/.exec(differences[0]!)?.[1];
    throw new WeightsMismatchError("not the seed's torch AP_SQuAD state dict", differences, {
      file: path,
      ...(layer ? { layer } : {}),
    });
  }
  const L = features / A;
  const S = options.sequenceLength ?? A;
  const notes = [
    options.sequenceLength === undefined
      ? `sequence length S = ${S}: the adapter width, as the seed's AP_SQuAD ties them (pass sequenceLength to override)`
      : `sequence length S = ${S} (given)`,
  ];
  if (state.has(k.unusedWeight))
    notes.push(`'${k.unusedWeight}' and '${k.unusedBias}' are ignored: the seed's forward never uses them`);
  const inputShape: [number, number, number] = [S, E, L];
  const model = getArchitecture(A === 64 ? 'adapter-64' : 'adapter-386').build({
    inputShape,
    adapterDim: A,
    adapterActivation: 'gelu',
    compile: false,
  });
  const tensors = [
    tf.tensor(transpose2d(state.get(k.adapterWeight)!.values, A, E), [E, A]),
    tf.tensor(state.get(k.adapterBias)!.values, [A]),
    tf.tensor(transpose2d(state.get(k.headWeight)!.values, 2, features), [features, 2]),
    tf.tensor(state.get(k.headBias)!.values, [2]),
  ];
  model.getLayer('adapter_pooler').setWeights(tensors.slice(0, 2));
  model.getLayer('head').setWeights(tensors.slice(2));
  tf.dispose(tensors);
  return { model, inputShape, adapterDim: A, notes };
}

/**
 * Save a bertvision span adapter head (shared AdapterPooler with the erf GELU, no skip, adapter width = sequence
 * length) as a safetensors state dict the seed's torch `AP_SQuAD` loads with `load_state_dict(..., strict=True)`.
 * `linear2`, which the seed defines but never uses, is written as zeros. Atomic.
 * @throws InvalidArgumentError when the model is not such a head (another architecture, tanh GELU, A ≠ S).
 * @example
 * ```ts
 * const { model } = await loadTorchSpanHead('ap_squad.safetensors');
 * await saveTorchStateDict(model, 'ap_squad.copy.safetensors');
 * ```
 */
export async function saveTorchStateDict(model: tf.LayersModel, path: string): Promise<void> {
  const layers = model.layers.filter((l) => l.weights.length > 0);
  const adapter = layers.find((l) => l.getClassName() === 'AdapterPooler');
  const head = layers.find((l) => l.name === 'head');
  const problem = (why: string): never => {
    throw new InvalidArgumentError(`model '${model.name}' cannot be saved as the seed's torch AP_SQuAD: ${why}`);
  };
  if (!adapter || !head || layers.length !== 2)
    return problem('it must be a span adapter head (AdapterPooler → Dense head, no BertConcat)');
  const config = adapter.getConfig();
  if (config['sharedWeights'] !== true) problem('its AdapterPooler is not shared (torch AP_SQuAD has one nn.Linear)');
  if (config['activation'] !== 'gelu')
    problem(
      `its AdapterPooler uses '${String(config['activation'])}'; torch nn.GELU() is the exact erf form (build with adapterActivation: 'gelu')`,
    );
  // getWeights() returns the variables' own tensors: read them, never dispose them.
  const [kernel, bias] = adapter.getWeights() as [tf.Tensor, tf.Tensor];
  const [headKernel, headBias] = head.getWeights() as [tf.Tensor, tf.Tensor];
  const [E = 0, A = 0] = kernel.shape;
  const [features = 0] = headKernel.shape;
  const S = (model.inputs[0]?.shape[1] ?? 0) as number;
  if (S !== A) problem(`its adapter width ${A} is not its sequence length ${S} (the seed ties them)`);
  if (headKernel.shape[1] !== 2 || features % A !== 0 || model.outputs.length !== 2)
    problem('its head is not the position-wise Dense(2) over (A, L)');
  const k = TORCH_SPAN_HEAD_KEYS;
  const entries: [string, number[], Float32Array][] = [
    [k.headWeight, [2, features], transpose2d(headKernel.dataSync() as Float32Array, features, 2)],
    [k.headBias, [2], headBias.dataSync() as Float32Array],
    [k.unusedWeight, [2, S], new Float32Array(2 * S)],
    [k.unusedBias, [2], new Float32Array(2)],
    [k.adapterWeight, [A, E], transpose2d(kernel.dataSync() as Float32Array, E, A)],
    [k.adapterBias, [A], bias.dataSync() as Float32Array],
  ];
  const { bytes, offsets } = buildSafetensorsHeader(
    entries.map(([name, shape]) => ({ name, dtype: 'float32', shape })),
    {
      format: 'pt',
      generated_by: 'bertvision saveTorchStateDict',
    },
  );
  const data = new Uint8Array(bytes.length + entries.reduce((n, [, , v]) => n + v.byteLength, 0));
  data.set(bytes);
  for (const [name, , values] of entries)
    data.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offsets.get(name)!);
  await writeFileAtomic(path, data);
}
