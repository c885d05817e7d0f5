/**
 * Rewrites a Keras model config (tf-keras / Keras 2 `model_config`, a Keras 3 `config.json`, or the `modelTopology`
 * of tensorflowjs-converter output) into the Keras 2 JSON that tfjs-layers deserializes, so that the seed's heads
 * become tfjs models built from bertvision's registered layers:
 *
 * - the seed's custom layers keep their class names (`BertConcat`, `MeanConcat`, `AdapterPooler` are registered by
 *   bertvision); arguments the saved config does not record (the seed's layers have no `get_config`) are inferred
 *   from the weight shapes, and each inference is returned as a note;
 * - slicing a tensor (`x[..., -1]`, `logits[..., 0]`: tf-keras `SlicingOpLambda`, Keras 3 `GetItem`) becomes a
 *   bertvision `SelectChannel`; its node, which tf-keras writes one list level flatter than tfjs reads, is re-nested;
 * - Keras 3 forms (node `args`, `DTypePolicy` dtypes, `batch_shape`) become their Keras 2 spellings.
 *
 * Layers tfjs cannot run are typed errors naming the layer: `Lambda` (Python bytecode) and other op layers.
 */
import { FileFormatError } from '../errors.js';

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Weight shapes by layer name (from the weights file), used to infer the seed's unrecorded arguments. */
export type WeightShapes = ReadonlyMap<string, number[][]>;

/** The rewritten config and what was inferred. */
export interface NormalizedKerasConfig {
  /** `{class_name, config}` in the Keras 2 form tfjs reads. */
  modelConfig: Json;
  /** One line per argument inferred from weights or default, e.g. for AdapterPooler. */
  notes: string[];
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A Keras 3 serialized tensor reference → `[layer, node, tensor]`. */
function kerasHistory(v: unknown): [string, number, number] | null {
  if (!isObject(v) || v['class_name'] !== '__keras_tensor__' || !isObject(v['config'])) return null;
  const h = v['config']['keras_history'];
  return Array.isArray(h) && typeof h[0] === 'string' ? [h[0], Number(h[1]), Number(h[2])] : null;
}

function tensorsIn(v: unknown, out: [string, number, number][]): void {
  const h = kerasHistory(v);
  if (h) out.push(h);
  else if (Array.isArray(v)) v.forEach((x) => tensorsIn(x, out));
}

/** One inbound node in tfjs' form `[[layer, node, tensor, kwargs], …]`, plus a slice key if the node carried one. */
function normalizeNode(node: unknown, file: string, layer: string): { inputs: unknown[][]; sliceKey?: unknown } {
  if (isObject(node)) {
    // Keras 3: {args: [tensor | [tensors] , extra…], kwargs}
    const args = Array.isArray(node['args']) ? node['args'] : [];
    const refs: [string, number, number][] = [];
    tensorsIn(args[0], refs);
    const kwargs = isObject(node['kwargs']) ? node['kwargs'] : {};
    return { inputs: refs.map((r) => [...r, kwargs]), ...(args.length > 1 ? { sliceKey: args[1] } : {}) };
  }
  if (!Array.isArray(node))
    throw new FileFormatError(`layer '${layer}': an inbound node is neither a list nor an object`, { file });
  if (typeof node[0] === 'string') {
    // tf-keras op layers: one flat [layer, node, tensor, {call arguments}]
    const kwargs = isObject(node[3]) ? node[3] : {};
    return { inputs: [[node[0], node[1], node[2], {}]], sliceKey: kwargs['slice_spec'] };
  }
  return { inputs: node as unknown[][] };
}

/** `x[spec]` as (axis, index) when it selects one entry of one non-batch axis and keeps the others whole. */
function selectionOf(spec: unknown, file: string, layer: string): { axis: number; index: number } {
  const parts = Array.isArray(spec) ? spec : [spec];
  const isEllipsis = (p: unknown): boolean => isObject(p) && p['class_name'] === '__ellipsis__';
  const isFull = (p: unknown): boolean => {
    if (!isObject(p) || p['class_name'] !== '__slice__') return false;
    const c = isObject(p['config']) ? p['config'] : {};
    return c['start'] == null && c['stop'] == null && c['step'] == null;
  };
  const ints = parts.map((p, i) => [p, i] as const).filter(([p]) => typeof p === 'number');
  const rest = parts.filter((p) => typeof p !== 'number');
  const ellipses = parts.filter(isEllipsis).length;
  if (ints.length === 1 && rest.every((p) => isEllipsis(p) || isFull(p)) && ellipses <= 1) {
    const [index, position] = ints[0] as readonly [number, number];
    const ellipsisAt = parts.findIndex(isEllipsis);
    if (ellipsisAt >= 0 && ellipsisAt < position) return { axis: -(parts.length - position), index };
    if (position > 0) return { axis: position, index };
  }
  throw new FileFormatError(
    `layer '${layer}': slicing ${JSON.stringify(spec)} is not supported (only x[..., k] or x[:, …, k, …], one index on one non-batch axis)`,
    { file },
  );
}

function dtypeName(d: unknown): unknown {
  return isObject(d) && isObject(d['config']) ? d['config']['name'] : d;
}

function adapterConfig(config: Json, name: string, shapes: WeightShapes, file: string, notes: string[]): Json {
  const kernel = shapes.get(name)?.[0];
  if (!kernel) throw new FileFormatError(`layer '${name}' (AdapterPooler): the file has no weights for it`, { file });
  const inferred: string[] = [];
  const out: Json = { name: config['name'], trainable: config['trainable'] ?? true, dtype: 'float32' };
  out['adapter_dim'] = config['adapter_dim'] ?? kernel[kernel.length - 1];
  if (config['adapter_dim'] == null) inferred.push(`adapterDim=${String(out['adapter_dim'])}`);
  out['shared_weights'] = config['shared_weights'] ?? kernel.length === 2;
  if (config['shared_weights'] == null) inferred.push(`sharedWeights=${String(out['shared_weights'])}`);
  const activation = config['activation'];
  out['activation'] = activation === 'gelu' ? 'gelu' : 'gelu_tanh';
  if (activation == null) inferred.push("activation=gelu_tanh (the seed's TensorFlow GELU)");
  if (inferred.length > 0) {
    notes.push(
      `layer '${name}' (AdapterPooler): the saved config does not record ${inferred.map((s) => s.split('=')[0]).join(', ')} ` +
        `(the seed's layer has no get_config); inferred ${inferred.join(', ')} from the kernel shape [${kernel.join(', ')}]`,
    );
  }
  return out;
}

const STRIP = ['module', 'registered_name', 'build_config', 'compile_config'];

function normalizeLayer(entry: Json, shapes: WeightShapes, file: string, notes: string[]): Json {
  const className = String(entry['class_name']);
  const config: Json = isObject(entry['config']) ? { ...entry['config'] } : {};
  const name = String(entry['name'] ?? config['name']);
  const nodes = (Array.isArray(entry['inbound_nodes']) ? entry['inbound_nodes'] : []).map((n) =>
    normalizeNode(n, file, name),
  );
  if ('dtype' in config) config['dtype'] = dtypeName(config['dtype']);
  if (className === 'InputLayer' && config['batch_shape'] !== undefined) {
    config['batch_input_shape'] = config['batch_shape'];
    delete config['batch_shape'];
  }
  let outClass = className;
  let outConfig = config;
  if (className === 'SlicingOpLambda' || className === 'GetItem') {
    const key = nodes[0]?.sliceKey;
    if (className === 'SlicingOpLambda' && config['function'] !== '__operators__.getitem') {
      throw new FileFormatError(`layer '${name}': op '${String(config['function'])}' is not supported`, { file });
    }
    const { axis, index } = selectionOf(key, file, name);
    outClass = 'SelectChannel';
    outConfig = { name, trainable: false, axis, index };
  } else if (className === 'TFOpLambda' || className === 'Lambda') {
    const what =
      className === 'Lambda'
        ? 'a Lambda layer holds Python bytecode, which cannot run outside Python'
        : `op '${String(config['function'])}' is not supported`;
    throw new FileFormatError(
      `layer '${name}': ${what}; build the head with getArchitecture(name).build() and load the weights with loadKerasWeights()`,
      { file },
    );
  } else if (className === 'AdapterPooler') {
    outConfig = adapterConfig(config, name, shapes, file, notes);
  } else if (className === 'BertConcat' || className === 'MeanConcat') {
    outConfig = { name: config['name'] ?? name, trainable: config['trainable'] ?? true, dtype: 'float32' };
  }
  for (const key of STRIP) delete outConfig[key];
  if (outClass === 'SeparableConv2D') {
    // Keras writes the unused kernel_* fields of its Conv base class; tfjs 4.22 rejects them for SeparableConv2D
    // (guarded by test/interop/keras-model.test.ts, xception-abbreviated).
    for (const key of ['kernel_initializer', 'kernel_regularizer', 'kernel_constraint']) delete outConfig[key];
  }
  return { class_name: outClass, config: outConfig, name, inbound_nodes: nodes.map((n) => n.inputs) };
}

/** Keras 3 writes model outputs/inputs as `[name, node, tensor]` or a list of them, like Keras 2; both pass through. */
function normalizeEnds(v: unknown): unknown {
  if (Array.isArray(v) && typeof v[0] === 'string') return [v];
  return v;
}

/**
 * Rewrite `config` (the parsed `model_config` / `config.json`) for tfjs.
 * @param shapes weight shapes by layer name, to infer the seed's unrecorded arguments.
 * @throws FileFormatError naming `file` and the layer for configs tfjs cannot run.
 */
export function normalizeKerasConfig(config: unknown, shapes: WeightShapes, file: string): NormalizedKerasConfig {
  if (!isObject(config) || !isObject(config['config']) || !Array.isArray(config['config']['layers'])) {
    throw new FileFormatError(
      'the model config is not a Keras Functional/Sequential model ({class_name, config: {layers}})',
      { file },
    );
  }
  const className = String(config['class_name']);
  if (className !== 'Functional' && className !== 'Model' && className !== 'Sequential') {
    throw new FileFormatError(
      `the model config is a '${className}'; only Functional, Model and Sequential models are read`,
      { file },
    );
  }
  const notes: string[] = [];
  const inner = config['config'];
  const layers = (inner['layers'] as unknown[]).map((l) => {
    if (!isObject(l)) throw new FileFormatError('a layer entry of the model config is not an object', { file });
    return normalizeLayer(l, shapes, file, notes);
  });
  const modelConfig: Json = {
    class_name: className === 'Sequential' ? 'Sequential' : 'Model',
    config: {
      ...inner,
      layers,
      ...(className === 'Sequential'
        ? {}
        : { input_layers: normalizeEnds(inner['input_layers']), output_layers: normalizeEnds(inner['output_layers']) }),
    },
  };
  return { modelConfig, notes };
}
