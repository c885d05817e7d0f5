/**
 * The public architecture registry: every seed head bertvision can build, with the seed's parameter count at the
 * seed's input size, so the CLI and docs can enumerate them and tests can check them.
 */
import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import {
  BINARY_DEFAULT_INPUT_SHAPE,
  adapterPoolerFeatures,
  binaryBuilder,
  tenneyFeatures,
  xceptionAbbreviatedClsFeatures,
  type BinaryGraph,
} from './binary.js';
import { SPAN_DEFAULT_INPUT_SHAPE, spanBuilder, type SpanRecipe } from './span.js';
import { xceptionAbbreviatedFeatures, xceptionFeatures } from './xception.js';
import type {
  ActivationShape,
  ArchitectureName,
  BinaryArchitecture,
  BuildOptions,
  SpanArchitecture,
  Task,
} from './types.js';

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
  /** Parameters at the default size, as the seed published or derived them (docs/seed.md; trainable + non-trainable). */
  seedParameterCount: number;
  /** Trainable parameters at the default size, where it differs from the total (BatchNormalization statistics). */
  seedTrainableCount?: number;
  /** One line: what the head is. */
  description: string;
  /** The layers, input to logits, in words. */
  layers: string;
  /** The section of docs/seed.md that describes it, e.g. `'§3.1 (a)'`. */
  specSection: string;
}

/** BERT-large parameter count, the denominator of the paper's "% of BERT parameters" (seed §0). */
export const BERT_LARGE_PARAMETERS = 335_141_888;

type EntryData = Omit<ArchitectureInfo, 'name' | 'task' | 'build' | 'defaultInputShape' | 'defaultAdapterDim'>;

/** A binary entry: its name, its graph (what `build` builds) and what the docs say of it. */
function binary(name: BinaryArchitecture, graph: BinaryGraph, data: EntryData): [ArchitectureName, ArchitectureInfo] {
  const build = binaryBuilder(name, graph);
  const entry = {
    name,
    task: 'binary',
    build,
    defaultInputShape: BINARY_DEFAULT_INPUT_SHAPE,
    defaultAdapterDim: graph.adapterDim,
  };
  return [name, { ...entry, ...data } as ArchitectureInfo];
}

/** A span entry: its name, its recipe (what `build` builds) and what the docs say of it. */
function span(name: SpanArchitecture, recipe: SpanRecipe, data: EntryData): [ArchitectureName, ArchitectureInfo] {
  const build = spanBuilder(name, recipe);
  const entry = {
    name,
    task: 'span',
    build,
    defaultInputShape: SPAN_DEFAULT_INPUT_SHAPE,
    defaultAdapterDim: recipe.adapter?.dim ?? null,
  };
  return [name, { ...entry, ...data } as ArchitectureInfo];
}

const NO_ADAPTER = { adapterDim: null };

const ADAPTER = 'AdapterPooler(A, shared Dense E→A + tanh-GELU per layer)';
const UNSHARED = 'AdapterPooler(A, one Dense E→A per layer + tanh-GELU)';
const SPAN_HEAD = 'position-wise Dense(2) → start_logits, end_logits';

/** The recipe of an `adapter-<A>[-unshared][-skip]` span head: the adapter on every layer, no pooling. */
function adapterRecipe(dim: number, shared: boolean, skip: boolean): SpanRecipe {
  return { pooling: null, adapter: { dim, shared }, skip };
}

/** What the docs say of an `adapter-<A>[-unshared][-skip]` span head. */
function adapter(a: number, shared: boolean, skip: boolean, count: number): EntryData {
  return {
    seedParameterCount: count,
    description:
      `Span adapter, A = ${a}, ${shared ? 'shared' : 'per-layer (unshared)'} weights${skip ? ', with skip' : ''}` +
      (a === 386 && shared && !skip ? " (the paper's best 1-epoch model)" : ''),
    layers:
      `${(shared ? ADAPTER : UNSHARED).replace('A,', `A=${a},`)} → flatten (A, L) → ` +
      `${skip ? 'concat x[..., -1] → ' : ''}${SPAN_HEAD}`,
    specSection: '§3.2 (a), (b)',
  };
}

/** Every architecture bertvision can build, by name. Counts are for the default input shape and adapter width. */
export const architectures: Readonly<Record<ArchitectureName, ArchitectureInfo>> = Object.fromEntries([
  binary(
    'tenney-small',
    { ...NO_ADAPTER, features: tenneyFeatures },
    {
      seedParameterCount: 2_077,
      description: 'Binary: learned layer mix (Tenney scalar mix) + Dense(2); the best binary model',
      layers: 'BertConcat(L) → flatten → Dense(2)',
      specSection: '§3.1 (a)',
    },
  ),
  binary(
    'adapter-pooler-tenney',
    { adapterDim: 386, features: adapterPoolerFeatures('learned') },
    {
      seedParameterCount: 398_499,
      description: 'Binary: learned layer mix, adapter (A = 386) and CLS skip',
      layers: `BertConcat(L) → ${ADAPTER.replace('A,', 'A=386,')} → concat x[..., -1] → flatten → Dense(2)`,
      specSection: '§3.1 (b)',
    },
  ),
  binary(
    'adapter-pooler-mean',
    { adapterDim: 386, features: adapterPoolerFeatures('mean') },
    {
      seedParameterCount: 398_472,
      description: 'Binary: mean over layers, adapter (A = 386) and CLS skip',
      layers: `MeanConcat → ${ADAPTER.replace('A,', 'A=386,')} → concat x[..., -1] → flatten → Dense(2)`,
      specSection: '§3.1 (c)',
    },
  ),
  binary(
    'xception-abbreviated',
    { ...NO_ADAPTER, features: xceptionAbbreviatedFeatures },
    {
      seedParameterCount: 267_010,
      seedTrainableCount: 264_066,
      description: 'Binary: two entry convolutions and one Xception block over (1, E) with L channels',
      layers: 'Conv 64 (1,3)/3 → Conv 128 (1,3) → [Sep 256 → Sep 512 → AvgPool] + Conv 512 1×1/2 → GAP → Dense(2)',
      specSection: '§3.1 (d)',
    },
  ),
  binary(
    'xception-abbreviated-cls',
    { ...NO_ADAPTER, features: xceptionAbbreviatedClsFeatures },
    {
      seedParameterCount: 269_058,
      seedTrainableCount: 266_114,
      description: 'Binary: Xception Abbreviated with the CLS vector x[..., -1] concatenated before the head',
      layers: 'Xception Abbreviated → GAP (512) ⧺ x[..., -1] (E) → Dense(2)',
      specSection: '§3.1 (e)',
    },
  ),
  binary(
    'xception',
    { ...NO_ADAPTER, features: xceptionFeatures },
    {
      seedParameterCount: 20_716_634,
      seedTrainableCount: 20_662_106,
      description: "Binary: Chollet's Xception with (1, 3) kernels over (1, E) with L channels",
      layers:
        'entry flow (blocks 1–4) → middle flow (8 × 3 Sep 728) → exit flow (block 13, Sep 1536, Sep 2048) → GAP → Dense(2)',
      specSection: '§3.1 (f)',
    },
  ),
  span(
    'learned-pooling',
    { pooling: 'learned', adapter: null, skip: false },
    {
      seedParameterCount: 2_076,
      description: 'Span: learned layer mix + position-wise Dense(2)',
      layers: `BertConcat(L) → ${SPAN_HEAD}`,
      specSection: '§3.2 (b)',
    },
  ),
  span(
    'average-pooling',
    { pooling: 'mean', adapter: null, skip: false },
    {
      seedParameterCount: 2_050,
      description: 'Span: mean over layers + position-wise Dense(2)',
      layers: `MeanConcat → ${SPAN_HEAD}`,
      specSection: '§3.2 (b)',
    },
  ),
  span('adapter-386', adapterRecipe(386, true, false), adapter(386, true, false, 414_952)),
  span('adapter-386-skip', adapterRecipe(386, true, true), adapter(386, true, true, 417_000)),
  span('adapter-386-unshared', adapterRecipe(386, false, false), adapter(386, false, false, 9_910_552)),
  span('adapter-386-unshared-skip', adapterRecipe(386, false, true), adapter(386, false, true, 9_912_600)),
  span('adapter-64', adapterRecipe(64, true, false), adapter(64, true, false, 68_802)),
  span('adapter-64-skip', adapterRecipe(64, true, true), adapter(64, true, true, 70_850)),
  span('adapter-64-unshared', adapterRecipe(64, false, false), adapter(64, false, false, 1_643_202)),
  span('adapter-64-unshared-skip', adapterRecipe(64, false, true), adapter(64, false, true, 1_645_250)),
  span(
    'learned-pooling-adapter-386',
    { pooling: 'learned', adapter: { dim: 386, shared: true }, skip: false },
    {
      seedParameterCount: 396_450,
      description: 'Span: learned layer mix, then an adapter (A = 386) on the pooled sequence',
      layers: `BertConcat(L) → ${ADAPTER.replace('A,', 'A=386,')} → ${SPAN_HEAD}`,
      specSection: '§3.2 (b)',
    },
  ),
  span(
    'learned-pooling-adapter-386-skip',
    { pooling: 'learned', adapter: { dim: 386, shared: true }, skip: true },
    {
      seedParameterCount: 398_498,
      description: 'Span: learned layer mix, adapter (A = 386) and skip; the binary (b) graph per token',
      layers: `BertConcat(L) → ${ADAPTER.replace('A,', 'A=386,')} → concat x[..., -1] → ${SPAN_HEAD}`,
      specSection: '§3.2 (b)',
    },
  ),
]) as Record<ArchitectureName, ArchitectureInfo>;

/** Every architecture name, binary first, in the order of docs/seed.md. */
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
