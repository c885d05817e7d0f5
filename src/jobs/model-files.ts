/**
 * Save and load tfjs LayersModels on the local file system without tfjs-node, in the standard tfjs layout:
 * `model.json` (`{modelTopology, format: 'layers-model', generatedBy, convertedBy, weightsManifest:
 * [{paths: ['weights.bin'], weights}]}`, plus `userDefinedMetadata` when the model has some) and `weights.bin`.
 * The same directory loads in a browser with `tf.loadLayersModel('<url>/model.json')`.
 *
 * The optimizer state and loss are not saved (tfjs saves them only with `includeOptimizer`, and cannot serialise
 * custom loss functions): a loaded model is uncompiled; `compileAdapter(model)` compiles it with the seed's settings.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FileAccessError, FileFormatError, InvalidArgumentError } from '../errors.js';
import { asFileError, errnoOf } from '../platform/file-errors.js';
import { commitModelFiles, MODEL_JSON, WEIGHTS_BIN } from './model-commit.js';

export { MODEL_JSON, WEIGHTS_BIN };

/** What {@link saveModel} wrote. */
export interface SavedModelInfo {
  /** Absolute path of the model directory. */
  dir: string;
  /** Bytes of `model.json`. */
  modelJsonBytes: number;
  /** Bytes of `weights.bin`. */
  weightBytes: number;
}

/**
 * Save `model` into directory `dir` (created with its parents when missing, with the mode the umask gives).
 * Atomic at every instant: `loadModel(dir)` returns the complete old model or the complete new one, also after a
 * crash or a failed write (the protocol is in src/jobs/model-commit.ts; test/faults/ checks it). A directory at
 * `dir` that is neither empty nor a saved model is never replaced.
 * @throws InUseError when another save of `dir` is running; InvalidArgumentError when `dir` is a file or a
 *   non-model directory; FileAccessError naming the file and the problem when the system refuses a write.
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<SavedModelInfo> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  if (!artifacts) throw new InvalidArgumentError(`model '${model.name}' produced no artifacts`);
  const { weightData, weightSpecs = [] } = artifacts;
  const weights = new Uint8Array(
    weightData === undefined
      ? new ArrayBuffer(0)
      : weightData instanceof ArrayBuffer
        ? weightData
        : tf.io.CompositeArrayBuffer.join(weightData),
  );
  const saved = artifacts;
  const modelJson = (weightsFile: string): string =>
    JSON.stringify({
      modelTopology: saved.modelTopology,
      format: saved.format ?? 'layers-model',
      generatedBy: saved.generatedBy,
      convertedBy: saved.convertedBy ?? null,
      ...(saved.userDefinedMetadata ? { userDefinedMetadata: saved.userDefinedMetadata } : {}),
      weightsManifest: [{ paths: [weightsFile], weights: weightSpecs }],
    });
  const target = resolve(dir);
  await commitModelFiles(target, { weights, modelJson });
  return { dir: target, modelJsonBytes: Buffer.byteLength(modelJson(WEIGHTS_BIN)), weightBytes: weights.byteLength };
}

const DTYPE_BYTES: Readonly<Record<string, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function entryBytes(entry: tf.io.WeightsManifestEntry, file: string): number {
  const size = entry.shape.reduce((p, d) => p * d, 1);
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const bytes = DTYPE_BYTES[dtype];
  if (bytes === undefined || !Number.isInteger(size) || size < 0) {
    throw new FileFormatError(
      `weight '${entry.name}' has an unsupported dtype '${dtype}' or shape ${JSON.stringify(entry.shape)}`,
      { file },
    );
  }
  return size * bytes;
}

function parseModelJson(text: string, file: string): tf.io.ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FileFormatError(`not valid JSON (${(error as Error).message})`, { file, cause: error });
  }
  const m = json as Partial<tf.io.ModelJSON> | null;
  if (m === null || typeof m !== 'object' || typeof m.modelTopology !== 'object' || m.modelTopology === null) {
    throw new FileFormatError('no modelTopology object: not a tfjs layers model', { file });
  }
  if (m.format !== undefined && m.format !== 'layers-model') {
    throw new FileFormatError(`format is '${String(m.format)}', expected 'layers-model'`, { file });
  }
  const manifest = m.weightsManifest;
  const valid =
    Array.isArray(manifest) &&
    manifest.every(
      (g) =>
        Array.isArray(g?.paths) &&
        Array.isArray(g?.weights) &&
        g.paths.every((p) => typeof p === 'string' && /^[^/\\]+$/.test(p) && p !== '.' && p !== '..') &&
        g.weights.every((w) => typeof w?.name === 'string' && Array.isArray(w.shape) && typeof w.dtype === 'string'),
    );
  if (!valid) {
    throw new FileFormatError(
      'weightsManifest must be [{paths: [file names in this directory], weights: [{name, shape, dtype}]}]',
      { file },
    );
  }
  return m as tf.io.ModelJSON;
}

/** Layer class names in a `layers` list, recursing into nested models (`config.layers`) and wrappers (`config.layer`). */
function layerClassNames(layers: unknown, found = new Set<string>()): Set<string> {
  const entries = Array.isArray(layers) ? layers : [layers];
  for (const entry of entries) {
    if (entry === null || typeof entry !== 'object') continue;
    const { class_name: className, config } = entry as {
      class_name?: unknown;
      config?: { layers?: unknown; layer?: unknown };
    };
    if (typeof className === 'string') found.add(className);
    if (config?.layers !== undefined) layerClassNames(config.layers, found);
    if (config?.layer !== undefined) layerClassNames(config.layer, found);
  }
  return found;
}

function checkClassesRegistered(topology: object, file: string): void {
  const registered = tf.serialization.SerializationMap.getMap().classNameMap;
  const config = (topology as { model_config?: unknown }).model_config ?? topology;
  const layers = (config as { config?: { layers?: unknown } }).config?.layers;
  const missing = [...layerClassNames(layers ?? [])].filter((name) => !Object.hasOwn(registered, name));
  if (missing.length > 0) {
    throw new FileFormatError(
      `unknown layer class(es) ${missing.map((n) => `'${n}'`).join(', ')}: not registered with tf.serialization. ` +
        "bertvision's own layers (BertConcat, MeanConcat, AdapterPooler, ...) are registered by `import 'bertvision'`; " +
        'other custom layers must be imported (and registered) before loading',
      { file },
    );
  }
}

/** Reject float32 weights holding NaN or ±Infinity (a diverged or corrupted model), naming the first such weight. */
function checkFinite(specs: readonly tf.io.WeightsManifestEntry[], data: Uint8Array, file: string): void {
  let offset = 0;
  for (const spec of specs) {
    const bytes = entryBytes(spec, file);
    if (spec.dtype === 'float32' && spec.quantization === undefined) {
      const start = data.byteOffset + offset;
      const values =
        start % 4 === 0
          ? new Float32Array(data.buffer, start, bytes / 4)
          : new Float32Array(data.buffer.slice(start, start + bytes));
      let bad = -1;
      for (let i = 0; i < values.length && bad < 0; i++) if (!Number.isFinite(values[i] as number)) bad = i;
      if (bad >= 0) {
        throw new FileFormatError(
          `weight '${spec.name}' holds ${values[bad]} at flat index ${bad}: not a usable model`,
          { file },
        );
      }
    }
    offset += bytes;
  }
}

async function readWeights(dir: string, json: tf.io.ModelJSON): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    const expected = group.weights.reduce((sum, w) => sum + entryBytes(w, join(dir, MODEL_JSON)), 0);
    let actual = 0;
    const files = group.paths.map((p) => join(dir, p));
    for (const file of files) {
      let data: Buffer;
      try {
        data = await readFile(file);
      } catch (error) {
        throw asFileError(error, file, `read the weight file listed in ${MODEL_JSON}`);
      }
      actual += data.byteLength;
      parts.push(data);
    }
    if (actual !== expected) {
      throw new FileFormatError(
        `weight data is ${actual} bytes but ${MODEL_JSON} describes ${expected} bytes (${actual < expected ? 'truncated' : 'too long'})`,
        { file: files.join(', ') },
      );
    }
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const buffer = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    buffer.set(p, offset);
    offset += p.byteLength;
  }
  const specs = tf.io.getWeightSpecs(json.weightsManifest);
  checkFinite(specs, buffer, join(dir, MODEL_JSON));
  return [specs, buffer.buffer];
}

/**
 * Load a model saved by {@link saveModel} (or by tfjs-node's `file://`, or any tfjs layers-model directory whose
 * weight files sit next to `model.json`). The model is returned uncompiled (see the module note).
 * @throws InvalidArgumentError when `dir` does not exist or is not a directory; FileAccessError when `model.json`
 *   or a weight file is missing or unreadable (naming the problem: permission denied, …); FileFormatError when
 *   `model.json` is not valid, a weight file is shorter or longer than the manifest says, a float32 weight holds
 *   NaN or ±Infinity, or the topology uses a layer class that is not registered.
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const root = resolve(dir);
  const kind = await stat(root).then(
    (s) => (s.isDirectory() ? 'dir' : 'file'),
    (error: unknown) => {
      if (errnoOf(error) === 'ENOENT') return 'missing';
      throw asFileError(error, root, 'open the model directory');
    },
  );
  if (kind !== 'dir') {
    throw new InvalidArgumentError(
      kind === 'missing' ? 'no such model directory' : 'is a file, expected a model directory',
      { file: root },
    );
  }
  const file = join(root, MODEL_JSON);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') {
      throw new FileAccessError(`missing ${MODEL_JSON}: not a saved model directory`, {
        file,
        cause: error,
        errno: 'ENOENT',
      });
    }
    throw asFileError(error, file, `read ${MODEL_JSON}`);
  }
  const json = parseModelJson(text, file);
  checkClassesRegistered(json.modelTopology, file);
  const weights = await readWeights(root, json);
  try {
    return await tf.loadLayersModel({ load: () => tf.io.getModelArtifactsForJSON(json, async () => weights) });
  } catch (error) {
    throw new FileFormatError(`cannot build the model: ${(error as Error).message}`, { file, cause: error });
  }
}
