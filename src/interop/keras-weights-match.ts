/**
 * Pairs the layers of a Keras weights file with the layers of a tfjs model and copies the weights, the way Keras'
 * `load_weights` does: by layer name, or by position among the layers that have weights (`by_name=False`). Every
 * mismatch is collected and reported at once, before any weight is changed.
 */
import * as tf from '@tensorflow/tfjs';
import { WeightsMismatchError } from '../errors.js';
import type { KerasStoredLayer, KerasWeightsFile } from './keras-weights-file.js';

/** How {@link loadKerasWeights} pairs file layers with model layers (see {@link LoadKerasWeightsOptions}). */
export type LayerMatching = 'auto' | 'name' | 'position';

/** What a load did. */
export interface KerasWeightsLoadReport {
  /** The file read. */
  file: string;
  /** Its layout. */
  format: 'keras2' | 'keras3';
  /** How the layers were paired. */
  matchedBy: 'name' | 'position';
  /** Each pair, file layer → model layer. */
  layers: { file: string; model: string }[];
  /** Anything the caller should know (e.g. that names differed and the position was used). */
  notes: string[];
}

const shapeText = (s: readonly (number | null)[]): string => `[${s.join(', ')}]`;

/** Keras 3's key base for a layer class (its `to_snake_case`): `BertConcat` → `bert_concat`, `Conv2D` → `conv2d`. */
export function keras3KeyBase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function weighted(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((l) => l.weights.length > 0);
}

function pairByName(
  layers: tf.layers.Layer[],
  stored: KerasStoredLayer[],
  differences: string[],
): [KerasStoredLayer, tf.layers.Layer][] {
  const byName = new Map(stored.map((s) => [s.name, s]));
  const pairs: [KerasStoredLayer, tf.layers.Layer][] = [];
  for (const layer of layers) {
    const match = byName.get(layer.name);
    if (match) pairs.push([match, layer]);
    else
      differences.push(
        `layer '${layer.name}' (${layer.getClassName()}, ${layer.weights.length} weights) is not in the file`,
      );
  }
  const names = new Set(layers.map((l) => l.name));
  for (const s of stored) {
    if (!names.has(s.name))
      differences.push(`the file's layer '${s.name}' (${s.weights.length} weights) is not in the model`);
  }
  return pairs;
}

function pairByPosition(
  layers: tf.layers.Layer[],
  file: KerasWeightsFile,
  differences: string[],
): [KerasStoredLayer, tf.layers.Layer][] {
  if (file.format === 'keras3') {
    // Keras 3 keys layers per class in model order (dense, dense_1, …); rebuild those keys from the model.
    const byKey = new Map(file.layers.map((s) => [s.key ?? s.name, s]));
    const counters = new Map<string, number>();
    const pairs: [KerasStoredLayer, tf.layers.Layer][] = [];
    for (const layer of layers) {
      const base = keras3KeyBase(layer.getClassName());
      const n = counters.get(base) ?? 0;
      counters.set(base, n + 1);
      const key = n === 0 ? base : `${base}_${n}`;
      const match = byKey.get(key);
      if (match) {
        pairs.push([match, layer]);
        byKey.delete(key);
      } else
        differences.push(
          `layer '${layer.name}' (${layer.getClassName()}) has no Keras 3 entry 'layers/${key}' in the file`,
        );
    }
    for (const [key, s] of byKey)
      differences.push(
        `the file's layer 'layers/${key}' ('${s.name}', ${s.weights.length} weights) is not in the model`,
      );
    return pairs;
  }
  if (layers.length !== file.layers.length) {
    differences.push(
      `the file has ${file.layers.length} layers with weights (${file.layers.map((s) => s.name).join(', ')}), ` +
        `the model ${layers.length} (${layers.map((l) => l.name).join(', ')})`,
    );
    return [];
  }
  return file.layers.map((s, i) => [s, layers[i]!]);
}

function compareWeights(stored: KerasStoredLayer, layer: tf.layers.Layer, differences: string[]): void {
  const label =
    stored.name === layer.name ? `layer '${layer.name}'` : `layer '${stored.name}' (model layer '${layer.name}')`;
  if (stored.weights.length !== layer.weights.length) {
    differences.push(
      `${label}: the file has ${stored.weights.length} weights (${stored.weights.map((w) => w.name).join(', ')}), ` +
        `the model ${layer.weights.length} (${layer.weights.map((w) => w.originalName).join(', ')})`,
    );
    return;
  }
  layer.weights.forEach((w, i) => {
    const s = stored.weights[i]!;
    if (s.shape.length !== w.shape.length || s.shape.some((d, j) => d !== w.shape[j])) {
      differences.push(
        `${label}: weight ${i} '${s.name}' is ${shapeText(s.shape)} in the file, '${w.originalName}' is ${shapeText(w.shape)} in the model`,
      );
    }
  });
}

/**
 * Copy the weights of `file` into `model`.
 * @param matching `'auto'` (default): by name when every model layer with weights has a same-named layer in the
 *   file, else by position (as Keras' `by_name=False`, which the seed's own `load_weights` calls use); `'name'` or
 *   `'position'` force one.
 * @throws WeightsMismatchError listing every missing layer, extra layer, weight-count or shape difference (nothing is
 *   changed then).
 */
export function assignKerasWeights(
  model: tf.LayersModel,
  file: KerasWeightsFile,
  matching: LayerMatching = 'auto',
): KerasWeightsLoadReport {
  const layers = weighted(model);
  const names = new Set(file.layers.map((s) => s.name));
  const allNamed = layers.every((l) => names.has(l.name)) && layers.length === file.layers.length;
  const useNames = matching === 'name' || (matching === 'auto' && allNamed);
  const differences: string[] = [];
  const pairs = useNames ? pairByName(layers, file.layers, differences) : pairByPosition(layers, file, differences);
  for (const [stored, layer] of pairs) compareWeights(stored, layer, differences);
  if (differences.length > 0) {
    const layer = /layer '([^']+)'/.exec(differences[0]!)?.[1];
    throw new WeightsMismatchError(
      `the weights do not fit model '${model.name}' (${useNames ? 'layers matched by name' : 'layers matched by position'})`,
      differences,
      { file: file.path, ...(layer === undefined ? {} : { layer }) },
    );
  }
  for (const [stored, layer] of pairs) {
    const tensors = stored.weights.map((w) => tf.tensor(w.values, w.shape, 'float32'));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  const notes =
    useNames || matching === 'position'
      ? []
      : [
          `layer names differ between the file and the model, so layers were matched by position (as Keras' load_weights(by_name=False)): ` +
            pairs
              .filter(([s, l]) => s.name !== l.name)
              .map(([s, l]) => `${s.name} → ${l.name}`)
              .join(', '),
        ];
  return {
    file: file.path,
    format: file.format,
    matchedBy: useNames ? 'name' : 'position',
    layers: pairs.map(([s, l]) => ({ file: s.name, model: l.name })),
    notes,
  };
}
