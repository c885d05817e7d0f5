/**
 * Shared types of the model builders: architecture names, the task a head solves, and builder options.
 */

/** Binary (answerable vs not) heads of seed §3.1, on CLS-only activations `[1, E, L]`. */
export type BinaryArchitecture =
  | 'tenney-small'
  | 'adapter-pooler-tenney'
  | 'adapter-pooler-mean'
  | 'xception-abbreviated'
  | 'xception-abbreviated-cls'
  | 'xception';

/** Span-annotation heads of seed §3.2, on full-sequence activations `[S, E, L]`. */
export type SpanArchitecture =
  | 'learned-pooling'
  | 'average-pooling'
  | 'adapter-386'
  | 'adapter-386-skip'
  | 'adapter-386-unshared'
  | 'adapter-386-unshared-skip'
  | 'adapter-64'
  | 'adapter-64-skip'
  | 'adapter-64-unshared'
  | 'adapter-64-unshared-skip'
  | 'learned-pooling-adapter-386'
  | 'learned-pooling-adapter-386-skip';

/** Every architecture name the registry knows. */
export type ArchitectureName = BinaryArchitecture | SpanArchitecture;

/** What a head predicts: `binary` = logits `[B, 2]` (class 1 = no answer); `span` = start/end logits `[B, S]`. */
export type Task = 'binary' | 'span';

/** Activation shape of one example, without the batch axis: `[S, E, L]` (tokens, hidden size, stacked layers). */
export type ActivationShape = readonly [sequenceLength: number, hiddenSize: number, layerCount: number];

/** Adam settings used by {@link compileAdapter}; defaults are the seed's (seed §4.2). */
export interface AdamOptions {
  /** Learning rate. Default 1e-3. */
  learningRate?: number;
  /** First-moment decay. Default 0.9. */
  beta1?: number;
  /** Second-moment decay. Default 0.999. */
  beta2?: number;
  /** Numerical epsilon. Default 1e-8 (the seed sets it explicitly; Keras' own default is 1e-7). */
  epsilon?: number;
}

/** Options of every builder. */
export interface BuildOptions {
  /**
   * Activation shape `[S, E, L]` of one example. Default: the seed's, `[1, 1024, 26]` for binary heads and
   * `[386, 1024, 25]` for span heads. BERT-base is E = 768, L = 13; MiniLM-L6 is E = 384, L = 7.
   */
  inputShape?: ActivationShape;
  /**
   * Adapter width A for architectures with an AdapterPooler. Default: the one in the name (386 or 64), 386 for the
   * binary adapters. Ignored (an error) for architectures without an adapter.
   */
  adapterDim?: number;
  /**
   * GELU of the AdapterPooler: `'gelu_tanh'` (default, the seed's TensorFlow code) or `'gelu'` (exact erf, the seed's
   * torch code; {@link loadTorchSpanHead} builds with it). Ignored for architectures without an adapter.
   */
  adapterActivation?: 'gelu_tanh' | 'gelu';
  /** Model name. Default: the architecture name. */
  name?: string;
  /** Compile with the seed's optimizer, loss and metric (see {@link compileAdapter}). Default true. */
  compile?: boolean;
  /** Optimizer settings used when `compile` is true. Default: {@link AdamOptions} defaults. */
  optimizer?: AdamOptions;
}

/** What a builder records on the model (`model.getUserDefinedMetadata().bertvision`); survives save/load. */
export interface ArchitectureMetadata {
  architecture: ArchitectureName;
  task: Task;
  inputShape: [number, number, number];
  /** Adapter width, or null when the architecture has no adapter. */
  adapterDim: number | null;
}
