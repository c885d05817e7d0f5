/**
 * The public architecture registry: every seed head bertvision can build, with the seed's parameter count at the
 * seed's input size, so the CLI and docs can enumerate them and tests can check them.
 */
import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import { BINARY_ADAPTER_DIMS, BINARY_DEFAULT_INPUT_SHAPE, buildBinaryAdapter } from './binary.js';
import { SPAN_DEFAULT_INPUT_SHAPE, SPAN_RECIPES, buildSpanAdapter } from './span.js';
import type { ActivationShape, ArchitectureName, BinaryArchitecture, BuildOptions, SpanArchitecture, Task } from './types.js';

/** One registry entry. */
export interface ArchitectureInfo {
  name: ArchitectureName;
  task: Task;
  /** Build the model (see {@link BuildOptions}; defaults give the seed's model). */
  build: (options?: BuildOptions) => tf.LayersModel;
  /** The seed's input shape `[S, E, L]`. */
  defaultInputShape: ActivationShape;
  /** Default adapter width A (override with `adapterDim`), or null when the head has no adapter. */
  defaultAdapterDim: number | null;
  /** Parameters at the default size, as published/derived in the spec (trainable + non-trainable). */
  seedParameterCount: number;
  /** Trainable parameters at the default size, where it differs from the total (BatchNormalization statistics). */
  seedTrainableCount?: number;
  /** One line: what the head is. */
  description: string;
  /** The layers, input to logits, in words. */
  layers: string;
  /** Where the spec (reference/bertvision-spec.md) describes it. */
  specSection: string;
}

/** BERT-large parameter count, the denominator of the paper's "% of BERT parameters" (spec §0). */
export const BERT_LARGE_PARAMETERS = 335_141_888;

type EntryData = Omit<ArchitectureInfo, 'name' | 'task' | 'build' | 'defaultInputShape' | 'defaultAdapterDim'>;

function binary(name: BinaryArchitecture, data: EntryData): [ArchitectureName, ArchitectureInfo] {
  const build = (options?: BuildOptions): tf.LayersModel => buildBinaryAdapter(name, options);
  const defaultAdapterDim = BINARY_ADAPTER_DIMS[name];
  return [name, { name, task: 'binary', build, defaultInputShape: BINARY_DEFAULT_INPUT_SHAPE, defaultAdapterDim, ...data }];
}

function span(name: SpanArchitecture, data: EntryData): [ArchitectureName, ArchitectureInfo] {
  const build = (options?: BuildOptions): tf.LayersModel => buildSpanAdapter(name, options);
  const defaultAdapterDim = SPAN_RECIPES[name].adapter?.dim ?? null;
  return [name, { name, task: 'span', build, defaultInputShape: SPAN_DEFAULT_INPUT_SHAPE, defaultAdapterDim, ...data }];
}

const ADAPTER = 'AdapterPooler(A, shared Dense E→A + tanh-GELU per layer)';
const UNSHARED = 'AdapterPooler(A, one Dense E→A per layer + tanh-GELU)';
const SPAN_HEAD = 'position-wise Dense(2) → start_logits, end_logits';

function adapter(a: number, shared: boolean, skip: boolean, count: number): EntryData {
  return {
    seedParameterCount: count,
    description: `Span adapter, A = ${a}, ${shared ? 'shared' : 'per-layer (unshared)'} weights${skip ? ', with skip' : ''}` +
      (a === 386 && shared && !skip ? ' (the paper\'s best 1-epoch model)' : ''),
    layers: `${(shared ? ADAPTER : UNSHARED).replace('A,', `A=${a},`)} → flatten (A, L) → ` +
      `${skip ? 'concat x[..., -1] → ' : ''}${SPAN_HEAD}`,
    specSection: '§3.2 (a), (b)',
  };
}

/** Every architecture bertvision can build, by name. Counts are for the default input shape and adapter width. */
export const architectures: Readonly<Record<ArchitectureName, ArchitectureInfo>> = Object.fromEntries([
  binary('tenney-small', {
    seedParameterCount: 2_077,
    description: 'Binary: learned layer mix (Tenney scalar mix) + Dense(2); the best binary model',
    layers: 'BertConcat(L) → flatten → Dense(2)',
    specSection: '§3.1 (a)',
  }),
  binary('adapter-pooler-tenney', {
    seedParameterCount: 398_499,
    description: 'Binary: learned layer mix, adapter (A = 386) and CLS skip',
    layers: `BertConcat(L) → ${ADAPTER.replace('A,', 'A=386,')} → concat x[..., -1] → flatten → Dense(2)`,
    specSection: '§3.1 (b)',
  }),
  binary('adapter-pooler-mean', {
    seedParameterCount: 398_472,
    description: 'Binary: mean over layers, adapter (A = 386) and CLS skip',
    layers: `MeanConcat → ${ADAPTER.replace('A,', 'A=386,')} → concat x[..., -1] → flatten → Dense(2)`,
    specSection: '§3.1 (c)',
  }),
  binary('xception-abbreviated', {
    seedParameterCount: 267_010,
    seedTrainableCount: 264_066,
    description: 'Binary: two entry convolutions and one Xception block over (1, E) with L channels',
    layers: 'Conv 64 (1,3)/3 → Conv 128 (1,3) → [Sep 256 → Sep 512 → AvgPool] + Conv 512 1×1/2 → GAP → Dense(2)',
    specSection: '§3.1 (d)',
  }),
  binary('xception-abbreviated-cls', {
    seedParameterCount: 269_058,
    seedTrainableCount: 266_114,
    description: 'Binary: Xception Abbreviated with the CLS vector x[..., -1] concatenated before the head',
    layers: 'Xception Abbreviated → GAP (512) ⧺ x[..., -1] (E) → Dense(2)',
    specSection: '§3.1 (e)',
  }),
  binary('xception', {
    seedParameterCount: 20_716_634,
    seedTrainableCount: 20_662_106,
    description: 'Binary: Chollet\'s Xception with (1, 3) kernels over (1, E) with L channels',
    layers: 'entry flow (blocks 1–4) → middle flow (8 × 3 Sep 728) → exit flow (block 13, Sep 1536, Sep 2048) → GAP → Dense(2)',
    specSection: '§3.1 (f)',
  }),
  span('learned-pooling', {
    seedParameterCount: 2_076,
    description: 'Span: learned layer mix + position-wise Dense(2)',
    layers: `BertConcat(L) → ${SPAN_HEAD}`,
    specSection: '§3.2 (b)',
  }),
  span('average-pooling', {
    seedParameterCount: 2_050,
    description: 'Span: mean over layers + position-wise Dense(2)',
    layers: `MeanConcat → ${SPAN_HEAD}`,
    specSection: '§3.2 (b)',
  }),
  span('adapter-386', adapter(386, true, false, 414_952)),
  span('adapter-386-skip', adapter(386, true, true, 417_000)),
  span('adapter-386-unshared', adapter(386, false, false, 9_910_552)),
  span('adapter-386-unshared-skip', adapter(386, false, true, 9_912_600)),
  span('adapter-64', adapter(64, true, false, 68_802)),
  span('adapter-64-skip', adapter(64, true, true, 70_850)),
  span('adapter-64-unshared', adapter(64, false, false, 1_643_202)),
  span('adapter-64-unshared-skip', adapter(64, false, true, 1_645_250)),
  span('learned-pooling-adapter-386', {
    seedParameterCount: 396_450,
    description: 'Span: learned layer mix, then an adapter (A = 386) on the pooled sequence',
    layers: `BertConcat(L) → ${ADAPTER.replace('A,', 'A=386,')} → ${SPAN_HEAD}`,
    specSection: '§3.2 (b)',
  }),
  span('learned-pooling-adapter-386-skip', {
    seedParameterCount: 398_498,
    description: 'Span: learned layer mix, adapter (A = 386) and skip; the binary (b) graph per token',
    layers: `BertConcat(L) → ${ADAPTER.replace('A,', 'A=386,')} → concat x[..., -1] → ${SPAN_HEAD}`,
    specSection: '§3.2 (b)',
  }),
]) as Record<ArchitectureName, ArchitectureInfo>;

/** Every architecture name, binary first, in spec order. */
export const ARCHITECTURE_NAMES = Object.keys(architectures) as readonly ArchitectureName[];

/**
 * The registry entry for `name`.
 * @throws InvalidArgumentError naming the valid architectures when `name` is unknown.
 */
export function getArchitecture(name: string): ArchitectureInfo {
  if (!Object.hasOwn(architectures, name)) {
    throw new InvalidArgumentError(`unknown architecture '${name}'; expected one of ${ARCHITECTURE_NAMES.join(', ')}`);
  }
  return architectures[name as ArchitectureName];
}

/** Span rows of the paper (spec §3.2) whose construction the repository does not record, so none is built. */
export const UNREPRODUCIBLE_ARCHITECTURES: readonly { name: string; publishedPercent: number }[] = [
  { name: '1xN CNN', publishedPercent: 0.099 },
  { name: '1xN CNNs with dilation', publishedPercent: 0.121 },
  { name: '1xN CNN without dropout', publishedPercent: 0.099 },
  { name: 'Learned Pooling with 1xN CNN', publishedPercent: 0.093 },
  { name: 'Average Pooling with 1xN CNN', publishedPercent: 0.093 },
  { name: 'Adapter 386 shared skip Tenney Pooling', publishedPercent: 0.242 },
  { name: 'Learned pooling, adapter with 1xn CNN', publishedPercent: 0.207 },
  { name: 'Learned pooling, adapter with NxN CNN', publishedPercent: 0.332 },
  { name: 'Learned pooling, adapter, Inception', publishedPercent: 1.994 },
  { name: 'Learned pooling, adapter, XCeptionMod', publishedPercent: 1.97 },
];
