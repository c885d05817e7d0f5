/**
 * {@link loadKerasModel}: a whole model saved by Keras (`.h5` with `model_config`, a `.keras` archive) or converted
 * by `tensorflowjs_converter --input_format keras` (`model.json` + shards) → a tfjs `LayersModel` built from
 * bertvision's registered layers, with its weights. No Python and no converter at run time. Node only.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FileFormatError } from '../errors.js';
import '../layers/index.js';
import { normalizeKerasConfig, type Json, type WeightShapes } from './keras-config.js';
import { readKerasWeightsFile, type KerasWeightsFile } from './keras-weights-file.js';
import { readKerasWeights } from './keras-weights.js';
import { assignKerasWeights } from './keras-weights-match.js';
import { ZipArchive } from './zip-archive.js';

/** A model loaded by {@link loadKerasModel}, and what had to be inferred to build it. */
export interface LoadedKerasModel {
  model: tf.LayersModel;
  /** Where each part came from: `'keras-h5'`, `'keras-archive'` or `'tfjs-converter'`. */
  source: 'keras-h5' | 'keras-archive' | 'tfjs-converter';
  /** Arguments inferred from the weight shapes (the seed's layers record none), and other remarks. */
  notes: string[];
}

function parseJson(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new FileFormatError(`${what} is not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`, {
      file,
      cause,
    });
  }
}

function shapesOf(file: KerasWeightsFile): WeightShapes {
  return new Map(file.layers.map((l) => [l.name, l.weights.map((w) => w.shape)]));
}

async function buildModel(
  config: unknown,
  shapes: WeightShapes,
  file: string,
): Promise<{ model: tf.LayersModel; notes: string[] }> {
  const { modelConfig, notes } = normalizeKerasConfig(config, shapes, file);
  try {
    const model = await tf.models.modelFromJSON({ modelTopology: modelConfig } as unknown as tf.io.ModelJSON);
    return { model, notes };
  } catch (cause) {
    if (cause instanceof FileFormatError) throw cause;
    throw new FileFormatError(
      `tfjs cannot build the model from its config: ${cause instanceof Error ? cause.message : String(cause)}`,
      { file, cause },
    );
  }
}

async function fromWeightsFile(
  config: unknown,
  weights: KerasWeightsFile,
  file: string,
): Promise<{ model: tf.LayersModel; notes: string[] }> {
  const { model, notes } = await buildModel(config, shapesOf(weights), file);
  try {
    assignKerasWeights(model, { ...weights, path: file }, 'name');
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, notes };
}

async function fromConverterOutput(modelJsonPath: string): Promise<LoadedKerasModel> {
  const json = parseJson(await readFile(modelJsonPath, 'utf8'), modelJsonPath, 'model.json') as Json;
  const topology = json['modelTopology'] as Json | undefined;
  const manifest = json['weightsManifest'] as tf.io.WeightsManifestConfig | undefined;
  if (!topology || !Array.isArray(manifest)) {
    throw new FileFormatError("not a tfjs layers model: 'modelTopology' or 'weightsManifest' is missing", {
      file: modelJsonPath,
    });
  }
  const config = topology['model_config'] ?? topology;
  const specs = manifest.flatMap((g) => g.weights);
  const shapes = new Map<string, number[][]>();
  for (const spec of specs) {
    const layer = spec.name.slice(0, spec.name.lastIndexOf('/'));
    shapes.set(layer, [...(shapes.get(layer) ?? []), spec.shape]);
  }
  const { model, notes } = await buildModel(config, shapes, modelJsonPath);
  const dir = dirname(modelJsonPath);
  try {
    const buffers = await Promise.all(
      manifest
        .flatMap((g) => g.paths)
        .map(async (p) => {
          const b = await readFile(join(dir, p)).catch((cause: unknown) => {
            throw new FileFormatError(`weights shard '${p}' listed in the manifest cannot be read`, {
              file: modelJsonPath,
              cause,
            });
          });
          return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
        }),
    );
    const data = tf.io.CompositeArrayBuffer.join(buffers);
    const expected = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
    if (data.byteLength !== expected) {
      throw new FileFormatError(
        `the weight shards hold ${data.byteLength} bytes, the manifest describes ${expected} (truncated shard?)`,
        { file: modelJsonPath },
      );
    }
    const named = tf.io.decodeWeights(data, specs);
    try {
      model.loadWeights(named, true);
    } finally {
      tf.dispose(Object.values(named));
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, source: 'tfjs-converter', notes };
}

/**
 * Load a whole model saved by Keras, or converted by tensorflowjs, as a tfjs `LayersModel`.
 *
 * - `.h5` written by `model.save('x.h5')` (root attribute `model_config`, weights in `model_weights`);
 * - `.keras` archive (`config.json` + `model.weights.h5`), Keras 3 or tf-keras;
 * - `model.json` (or its directory) written by `tensorflowjs_converter --input_format keras`.
 *
 * The seed's `BertConcat`, `MeanConcat` and `AdapterPooler` become bertvision's layers; `x[..., k]` slicing becomes
 * `SelectChannel`. Where the saved config is silent (the seed's layers have no `get_config`), the arguments are
 * inferred from the weight shapes and listed in `notes`. The model is uncompiled.
 * @throws FileFormatError naming the file (and member or layer) for unreadable files, missing archive members, or
 *   layers tfjs cannot run (Python `Lambda`); WeightsMismatchError when the weights do not fit the config.
 * @example
 * ```ts
 * const { model, notes } = await loadKerasModel('weights_best_models/adapter_pooler.h5');
 * for (const note of notes) console.warn(note);
 * const logits = model.predict(activations);
 * ```
 */
export async function loadKerasModel(path: string): Promise<LoadedKerasModel> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new FileFormatError('cannot be read', { file: path, cause });
  });
  if (info.isDirectory()) return fromConverterOutput(join(path, 'model.json'));
  if (path.toLowerCase().endsWith('.json')) return fromConverterOutput(path);
  if (path.toLowerCase().endsWith('.keras')) {
    const archive = await ZipArchive.open(path);
    const config = parseJson(archive.readText('config.json'), path, "member 'config.json'");
    const weights = await readKerasWeights(path);
    return { ...(await fromWeightsFile(config, weights, path)), source: 'keras-archive' };
  }
  const weights = await readKerasWeightsFile(path);
  if (weights.modelConfig === null) {
    throw new FileFormatError(
      "has weights but no 'model_config' (written by save_weights, not save): build the head with getArchitecture(name).build() and use loadKerasWeights()",
      { file: path },
    );
  }
  const config = parseJson(weights.modelConfig, path, "the 'model_config' attribute");
  return { ...(await fromWeightsFile(config, weights, path)), source: 'keras-h5' };
}
