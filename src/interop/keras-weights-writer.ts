/**
 * Writes a tfjs model's weights as a Keras 2 HDF5 weights file (the layout of tf-keras `model.save_weights('x.h5')`),
 * which the seed's Keras code loads with `model.load_weights('x.h5')`: root attributes `layer_names`, `backend`,
 * `keras_version`; one group per layer with weights, whose `weight_names` attribute lists `<layer>/<weight>:0`
 * datasets inside it. Only layers with weights are listed, which is all `load_weights` reads. Node only (h5wasm).
 */
import { rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { Group } from 'h5wasm/node';
import { FileFormatError, InvalidArgumentError } from '../errors.js';
import { guardH5, loadH5wasm } from '../store/hdf5/h5wasm-runtime.js';
import { syncDirectory, tempPathFor } from '../platform/atomic-file.js';

/** The `keras_version` attribute written: the tf-keras version whose `load_weights` the output is checked against. */
export const WRITTEN_KERAS_VERSION = '2.21.0';

function ensureGroup(group: Group, path: string): Group {
  let current = group;
  for (const part of path.split('/')) {
    current = current.keys().includes(part) ? (current.get(part) as Group) : current.create_group(part);
  }
  return current;
}

/** What {@link saveKerasWeights} wrote. */
export interface KerasWeightsWriteReport {
  /** Absolute path of the file. */
  path: string;
  /** The layers written, in model order. */
  layers: string[];
  /** Number of weight values written. */
  values: number;
}

/**
 * Write `model`'s weights to `path` in the Keras 2 HDF5 layout, atomically (temporary file + rename): a file already
 * at `path` is replaced only once the new one is complete.
 * @throws InvalidArgumentError when the model has no weights or a weight is not float32.
 */
export async function writeKerasWeightsFile(model: tf.LayersModel, path: string): Promise<KerasWeightsWriteReport> {
  const layers = model.layers.filter((l) => l.weights.length > 0);
  if (layers.length === 0) throw new InvalidArgumentError(`model '${model.name}' has no weights to save`);
  const target = resolve(path);
  const temp = tempPathFor(target);
  const runtime = await loadH5wasm();
  let values = 0;
  try {
    const file = guardH5(runtime, temp, 'creating', () => new runtime.h5.File(temp, 'w'));
    try {
      guardH5(runtime, temp, 'writing', () => {
        file.create_attribute(
          'layer_names',
          layers.map((l) => l.name),
        );
        file.create_attribute('backend', 'tensorflow');
        file.create_attribute('keras_version', WRITTEN_KERAS_VERSION);
        file.create_attribute('generated_by', 'bertvision saveKerasWeights');
        for (const layer of layers) {
          const group = file.create_group(layer.name);
          const names = layer.weights.map(
            (w) => `${w.originalName.includes('/') ? w.originalName : `${layer.name}/${w.originalName}`}:0`,
          );
          group.create_attribute('weight_names', names);
          layer.weights.forEach((w, i) => {
            if (w.dtype !== 'float32') {
              throw new InvalidArgumentError(
                `layer '${layer.name}': weight '${w.originalName}' is ${w.dtype}; only float32 is written`,
              );
            }
            const name = names[i]!;
            const slash = name.lastIndexOf('/');
            const parent = slash < 0 ? group : ensureGroup(group, name.slice(0, slash));
            const data = w.read().dataSync() as Float32Array;
            values += data.length;
            parent.create_dataset({ name: name.slice(slash + 1), data, shape: [...w.shape] as number[], dtype: '<f' });
          });
        }
      });
    } finally {
      file.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof FileFormatError && error.file === temp) {
      throw new FileFormatError(error.message.replace(`${temp}: `, ''), { file: target, cause: error.cause });
    }
    throw error;
  }
  await syncDirectory(dirname(target));
  return { path: target, layers: layers.map((l) => l.name), values };
}
