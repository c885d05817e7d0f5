/**
 * Public entry points for Keras weights: {@link loadKerasWeights} (Keras 2 `.h5`, Keras 3 `.weights.h5`, the weights
 * inside a `.keras` archive) and {@link saveKerasWeights} (Keras 2 `.h5` the seed's `load_weights` reads).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { FileFormatError } from '../errors.js';
import { readKerasWeightsFile, type KerasWeightsFile } from './keras-weights-file.js';
import { assignKerasWeights, type KerasWeightsLoadReport, type LayerMatching } from './keras-weights-match.js';
import { writeKerasWeightsFile, type KerasWeightsWriteReport } from './keras-weights-writer.js';
import { ZipArchive } from './zip-archive.js';

/** The weights member of a `.keras` archive. */
export const KERAS_ARCHIVE_WEIGHTS = 'model.weights.h5';

/** Options of {@link loadKerasWeights}. */
export interface LoadKerasWeightsOptions {
  /**
   * How file layers are paired with model layers. Default `'auto'`: by name when every model layer with weights has
   * a same-named layer in the file, otherwise by position among the layers with weights (Keras' `by_name=False`).
   */
  matching?: LayerMatching;
}

/**
 * Read the weights of `path` whatever Keras wrote it: an HDF5 file (Keras 2 or 3 layout, weights-only or whole
 * model) or a `.keras` archive (its `model.weights.h5`, read through a temporary file that is removed afterwards).
 * @throws FileFormatError naming the file (and the member or layer) when it cannot be read.
 */
export async function readKerasWeights(path: string): Promise<KerasWeightsFile> {
  if (!path.toLowerCase().endsWith('.keras')) return readKerasWeightsFile(path);
  const archive = await ZipArchive.open(path);
  const bytes = archive.read(KERAS_ARCHIVE_WEIGHTS);
  const dir = await mkdtemp(join(tmpdir(), 'bertvision-keras-'));
  try {
    const inner = join(dir, KERAS_ARCHIVE_WEIGHTS);
    await writeFile(inner, bytes);
    const file = await readKerasWeightsFile(inner).catch((cause: unknown) => {
      const message = cause instanceof Error ? cause.message.replace(`${inner}: `, '') : String(cause);
      throw new FileFormatError(`member '${KERAS_ARCHIVE_WEIGHTS}': ${message}`, { file: path, cause });
    });
    return { ...file, path };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Load the weights of a Keras file into a bertvision head of the matching architecture (built with the same input
 * shape and adapter width), as the seed's `model.load_weights(path)` would.
 *
 * @param model the head to fill, e.g. `getArchitecture('adapter-386').build({ inputShape: [386, 1024, 25] })`.
 * @param path a Keras 2 `save_weights` `.h5` (the seed's `weights_best_models/*.h5`), a whole-model `.h5`, a Keras 3
 *   `.weights.h5`, or a `.keras` archive.
 * @returns which layers were paired and how (`notes` says when names differed and the position was used).
 * @throws WeightsMismatchError listing every missing layer, extra layer, weight-count and shape difference, naming
 *   the file and the first layer concerned (the model is unchanged then); FileFormatError for unreadable files.
 * @example
 * ```ts
 * const model = getArchitecture('tenney-small').build({ inputShape: [1, 1024, 26] });
 * const report = await loadKerasWeights(model, 'weights_best_models/tenney_small.h5');
 * console.log(report.matchedBy, report.notes);
 * ```
 */
export async function loadKerasWeights(
  model: tf.LayersModel,
  path: string,
  options: LoadKerasWeightsOptions = {},
): Promise<KerasWeightsLoadReport> {
  return assignKerasWeights(model, await readKerasWeights(path), options.matching ?? 'auto');
}

/**
 * Save `model`'s weights as a Keras 2 HDF5 weights file that the seed's Keras model (tf-keras with the seed's layer
 * classes) loads with `model.load_weights(path)`. Layers with weights are written in model order, so Keras' default
 * positional matching pairs them even where the seed's layer names (`dense`) differ from bertvision's (`head`).
 * Atomic: a file already at `path` is replaced only when the new one is complete.
 * @example
 * ```ts
 * await saveKerasWeights(model, 'adapter_386.h5'); // then in Python: seed_model.load_weights('adapter_386.h5')
 * ```
 */
export async function saveKerasWeights(model: tf.LayersModel, path: string): Promise<KerasWeightsWriteReport> {
  return writeKerasWeightsFile(model, path);
}
