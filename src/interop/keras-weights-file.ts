/**
 * Reads the weights of a Keras HDF5 file into memory, layer by layer, in either layout Keras writes:
 *
 * - Keras 2 (`model.save_weights('x.h5')`, and the `model_weights` group of `model.save('x.h5')`): root attribute
 *   `layer_names` lists the layers in model order; each layer's group has a `weight_names` attribute whose entries
 *   are dataset paths inside that group (`dense/kernel:0`).
 * - Keras 3 (`model.save_weights('x.weights.h5')`, and `model.weights.h5` inside a `.keras` archive): group
 *   `layers/<key>` per layer (`<key>` = the snake-cased class name with a per-class counter, `dense`, `dense_1`, …),
 *   whose `vars` group holds datasets `0`, `1`, … and whose `name` attribute is the layer's name; sub-layers nest as
 *   further groups (`layers/adapter_pooler/pooler/layer/vars/0`).
 *
 * Weights are small (heads, not activations), so each dataset is read whole. Node only (h5wasm).
 */
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Dataset, Group } from 'h5wasm/node';
import { FileFormatError } from '../errors.js';
import { guardH5, loadH5wasm, type H5Runtime } from '../store/hdf5/h5wasm-runtime.js';

/** One weight as stored in the file. */
export interface KerasStoredWeight {
  /** Its name in the file: `dense/kernel:0` (Keras 2) or `vars/0` (Keras 3). */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** One layer's weights, in the layer's own order (kernel before bias, BatchNormalization's four in Keras order). */
export interface KerasStoredLayer {
  /** The layer's name (Keras 2: its group name; Keras 3: the `name` attribute of its `vars` group). */
  name: string;
  /** Keras 3 only: the group key (`dense_1`), which follows the model's layer order per class. */
  key?: string;
  weights: KerasStoredWeight[];
}

/** The weights of one file. */
export interface KerasWeightsFile {
  path: string;
  format: 'keras2' | 'keras3';
  /** Layers that have weights (Keras 2: in the file's `layer_names` order; Keras 3: in key order). */
  layers: KerasStoredLayer[];
  /** The `model_config` attribute (JSON) of a whole-model `.h5`, or null for a weights-only file. */
  modelConfig: string | null;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map(String);
  return []; // absent, or h5py's empty float64 array for a layer without weights
}

function floatValues(dataset: Dataset, file: string, layer: string, weight: string): Float32Array {
  const dtype = String(dataset.dtype);
  if (dtype !== '<f' && dtype !== '<d' && dtype !== '>f' && dtype !== '>d') {
    throw new FileFormatError(
      `layer '${layer}': weight '${weight}' has dtype ${dtype}; only float32/float64 weights are read`,
      { file },
    );
  }
  const value = dataset.value;
  if (!(value instanceof Float32Array || value instanceof Float64Array)) {
    throw new FileFormatError(`layer '${layer}': weight '${weight}' could not be read as numbers`, { file });
  }
  return value instanceof Float32Array ? value : Float32Array.from(value);
}

function readWeight(runtime: H5Runtime, group: Group, path: string, file: string, layer: string): KerasStoredWeight {
  return guardH5(runtime, file, `reading layer '${layer}' weight '${path}'`, () => {
    const entity = group.get(path);
    if (!entity || !('shape' in entity)) {
      throw new FileFormatError(`layer '${layer}': weight '${path}' is listed but missing from the file`, { file });
    }
    const dataset = entity as Dataset;
    return { name: path, shape: [...(dataset.shape ?? [])], values: floatValues(dataset, file, layer, path) };
  });
}

function readKeras2(runtime: H5Runtime, root: Group, file: string): KerasStoredLayer[] {
  const layers: KerasStoredLayer[] = [];
  for (const name of strings(root.attrs['layer_names']?.value)) {
    const group = guardH5(runtime, file, `opening layer '${name}'`, () => root.get(name));
    if (!group || !('keys' in group))
      throw new FileFormatError(`layer '${name}' is listed in layer_names but has no group`, { file });
    const names = strings((group as Group).attrs['weight_names']?.value);
    if (names.length === 0) continue;
    layers.push({ name, weights: names.map((w) => readWeight(runtime, group as Group, w, file, name)) });
  }
  return layers;
}

/** `dense_10` after `dense_9`: keys compared by base, then by numeric suffix. */
function keyOrder(a: string, b: string): number {
  const split = (k: string): [string, number] => {
    const m = /^(.*?)(?:_(\d+))?$/.exec(k);
    return [m?.[1] ?? k, m?.[2] === undefined ? 0 : Number(m[2]) + 1];
  };
  const [ba, na] = split(a);
  const [bb, nb] = split(b);
  return ba === bb ? na - nb : ba < bb ? -1 : 1;
}

/** Every dataset under a Keras 3 layer group: its own `vars/0…n`, then its sub-groups' (depth first, by key). */
function keras3Weights(
  runtime: H5Runtime,
  group: Group,
  prefix: string,
  file: string,
  layer: string,
): KerasStoredWeight[] {
  const out: KerasStoredWeight[] = [];
  const keys = guardH5(runtime, file, `listing layer '${layer}'`, () => group.keys());
  if (keys.includes('vars')) {
    const vars = group.get('vars') as Group;
    const indices = vars
      .keys()
      .filter((k) => /^\d+$/.test(k))
      .sort((a, b) => Number(a) - Number(b));
    for (const i of indices) out.push({ ...readWeight(runtime, vars, i, file, layer), name: `${prefix}vars/${i}` });
  }
  for (const key of keys.filter((k) => k !== 'vars').sort(keyOrder)) {
    const child = group.get(key);
    if (child && 'keys' in child) out.push(...keras3Weights(runtime, child as Group, `${prefix}${key}/`, file, layer));
  }
  return out;
}

function readKeras3(runtime: H5Runtime, root: Group, file: string): KerasStoredLayer[] {
  const layersGroup = root.get('layers') as Group;
  const layers: KerasStoredLayer[] = [];
  for (const key of guardH5(runtime, file, 'listing layers', () => layersGroup.keys()).sort(keyOrder)) {
    const group = layersGroup.get(key) as Group;
    const vars = group.keys().includes('vars') ? (group.get('vars') as Group) : null;
    const name = strings(vars?.attrs['name']?.value)[0] ?? key;
    const weights = keras3Weights(runtime, group, '', file, name);
    if (weights.length > 0) layers.push({ name, key, weights });
  }
  return layers;
}

/**
 * The end-of-file address the HDF5 superblock (at offset 0; versions 0–3) records, or null when it cannot be read.
 * HDF5 itself refuses a shorter file ("truncated file"), but h5wasm surfaces that only as a later, unclear failure.
 */
async function recordedEndOfFile(path: string): Promise<number | null> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, 64, 0);
    if (bytesRead < 16 || head.readUInt32BE(0) !== 0x89484446) return null;
    const version = head[8]!;
    const offsetSize = version < 2 ? head[13]! : head[9]!;
    const at = version < 2 ? 24 + 2 * offsetSize : 12 + 2 * offsetSize;
    if (offsetSize !== 8 || at + 8 > bytesRead) return null;
    const eof = Number(head.readBigUInt64LE(at));
    return Number.isSafeInteger(eof) ? eof : null;
  } finally {
    await handle.close();
  }
}

/**
 * Read every layer's weights from a Keras HDF5 weights file (Keras 2 or Keras 3 layout) or whole-model `.h5`.
 * @throws FileFormatError naming the file (and the layer, where one is concerned) when it is not HDF5, is truncated,
 *   or follows neither layout.
 */
export async function readKerasWeightsFile(path: string): Promise<KerasWeightsFile> {
  const size = (
    await stat(path).catch((cause: unknown) => {
      throw new FileFormatError('cannot be read', { file: path, cause });
    })
  ).size;
  const eof = await recordedEndOfFile(path);
  if (eof !== null && size < eof) {
    throw new FileFormatError(`truncated: the file is ${size} bytes, its HDF5 superblock says ${eof}`, { file: path });
  }
  const runtime = await loadH5wasm();
  const file = guardH5(runtime, path, 'opening', () => new runtime.h5.File(resolve(path), 'r'));
  try {
    return guardH5(runtime, path, 'reading the layout', () => {
      const top = file.keys();
      const modelConfig = strings(file.attrs['model_config']?.value)[0] ?? null;
      if ('layer_names' in file.attrs)
        return { path, format: 'keras2' as const, layers: readKeras2(runtime, file, path), modelConfig };
      if (top.includes('model_weights')) {
        const group = file.get('model_weights') as Group;
        if ('layer_names' in group.attrs)
          return { path, format: 'keras2' as const, layers: readKeras2(runtime, group, path), modelConfig };
      }
      if (top.includes('layers'))
        return { path, format: 'keras3' as const, layers: readKeras3(runtime, file, path), modelConfig };
      throw new FileFormatError(
        `not a Keras weights file: no 'layer_names' attribute (Keras 2 save_weights), no 'model_weights' group (Keras 2 save) and no 'layers' group (Keras 3); top-level entries: ${top.join(', ') || 'none'}`,
        { file: path },
      );
    });
  } finally {
    try {
      file.close();
    } catch {
      // closing a file h5wasm could not read must not hide the error above
    }
  }
}
