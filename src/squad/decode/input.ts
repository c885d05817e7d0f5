/**
 * Inputs of the span decoders and the helpers they share: examples (id + context), features (one tokenised window
 * each: start/end logits and the offset mapping into its example's context), validation with typed errors,
 * grouping of features by example, top-n selection and code-point slicing of contexts.
 */
import { InvalidArgumentError, MismatchError, ShapeError } from '../../errors.js';

/** A question and its context. */
export interface QaExample {
  /** Question id (SQuAD `id`); keys the decoder's outputs. */
  id: string;
  /** The context the offsets point into. */
  context: string;
}

/**
 * Character offsets of a window's tokens into the context, in Unicode code points (as Python and HF tokenizers
 * count them), end exclusive. Either flat `[start0, end0, start1, end1, …]` with `-1` for non-context tokens
 * (the activation store's `offset_mapping` row), or one `[start, end]` pair or `null` per token (HF's
 * `offset_mapping` after `prepare_validation_features`).
 */
export type OffsetMapping = ArrayLike<number> | ReadonlyArray<readonly [number, number] | readonly number[] | null>;

/** One tokenised window (HF "feature") of an example. */
export interface QaFeature {
  /** Index into the examples array of the example this window belongs to. */
  exampleIndex: number;
  /** Start logits (or probabilities, for ensembles), one per token; position 0 is the CLS token. */
  startLogits: ArrayLike<number>;
  /** End logits, same length as `startLogits`. */
  endLogits: ArrayLike<number>;
  /** Offsets of the window's tokens; tokens at or past its length count as non-context. */
  offsets: OffsetMapping;
}

/** A feature after validation: offsets flattened to `[start, end]` pairs with -1 for non-context tokens. */
export interface CheckedFeature {
  /** Position of the feature in the input. */
  index: number;
  /** See {@link QaFeature.startLogits}. */
  start: ArrayLike<number>;
  /** See {@link QaFeature.endLogits}. */
  end: ArrayLike<number>;
  /** Flat offsets, length 2 × tokens; -1 marks a non-context token. */
  offsets: Int32Array;
}

/** Flatten an {@link OffsetMapping} to `[s0, e0, s1, e1, …]` with -1 for non-context tokens. */
export function flattenOffsets(offsets: OffsetMapping, featureIndex: number): Int32Array {
  const first = offsets.length > 0 ? offsets[0] : undefined;
  if (typeof first === 'number' || offsets.length === 0) {
    if (offsets.length % 2 !== 0)
      throw new ShapeError(`feature ${featureIndex}: flat offsets must have an even length, got ${offsets.length}`);
    const flat = Int32Array.from(offsets as ArrayLike<number>);
    for (let i = 0; i < flat.length; i += 2)
      if ((flat[i] as number) < 0 || (flat[i + 1] as number) < 0) flat[i] = flat[i + 1] = -1;
    return flat;
  }
  const pairs = offsets as ReadonlyArray<readonly number[] | null>;
  const flat = new Int32Array(pairs.length * 2).fill(-1);
  pairs.forEach((pair, t) => {
    if (pair === null || pair === undefined) return;
    if (pair.length < 2) throw new ShapeError(`feature ${featureIndex}: offset ${t} must be [start, end] or null`);
    if ((pair[0] as number) >= 0 && (pair[1] as number) >= 0) {
      flat[2 * t] = pair[0] as number;
      flat[2 * t + 1] = pair[1] as number;
    }
  });
  return flat;
}

/**
 * Validate features against examples and group them by example, keeping feature order within each example.
 * @throws InvalidArgumentError for a bad example index, NaN logits or an example without windows; ShapeError for
 *   start/end logits of different lengths.
 */
export function groupFeatures(examples: readonly QaExample[], features: readonly QaFeature[]): CheckedFeature[][] {
  const groups: CheckedFeature[][] = examples.map(() => []);
  features.forEach((f, index) => {
    const group = Number.isInteger(f.exampleIndex) ? groups[f.exampleIndex] : undefined;
    if (!group)
      throw new InvalidArgumentError(
        `feature ${index}: exampleIndex ${f.exampleIndex} is not an index into the ${examples.length} examples`,
      );
    if (f.startLogits.length !== f.endLogits.length || f.startLogits.length === 0) {
      throw new ShapeError(
        `feature ${index}: start logits (${f.startLogits.length}) and end logits (${f.endLogits.length}) ` +
          'must have the same non-zero length',
      );
    }
    for (const logits of [f.startLogits, f.endLogits]) {
      for (let i = 0; i < logits.length; i++) {
        if (Number.isNaN(logits[i])) throw new InvalidArgumentError(`feature ${index}: logit ${i} is NaN`);
      }
    }
    group.push({ index, start: f.startLogits, end: f.endLogits, offsets: flattenOffsets(f.offsets, index) });
  });
  groups.forEach((group, i) => {
    if (group.length === 0) throw new MismatchError(`example ${examples[i]?.id} has no features (windows) to decode`);
  });
  return groups;
}

/**
 * Indices of the `n` largest values, largest first (numpy `argsort(x)[-1:-n-1:-1]`); among equal values the
 * higher index comes first, as a stable ascending sort read backwards gives.
 */
export function topIndices(values: ArrayLike<number>, n: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (top.length === n && v < (values[top[n - 1] as number] as number)) continue;
    let at = top.length;
    while (at > 0 && (values[top[at - 1] as number] as number) <= v) at--;
    top.splice(at, 0, i);
    if (top.length > n) top.pop();
  }
  return top;
}

/** Slices of a context by code-point offsets (Python `context[a:b]` semantics, clamped like Python slices). */
export class ContextSlicer {
  private readonly utf16At: Int32Array | undefined;
  private readonly length: number;

  constructor(readonly context: string) {
    if (/[\uD800-\uDFFF]/.test(context)) {
      const starts: number[] = [];
      for (let i = 0; i < context.length; i++) {
        starts.push(i);
        const code = context.charCodeAt(i);
        if (code >= 0xd800 && code <= 0xdbff && (context.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
      }
      starts.push(context.length);
      this.utf16At = Int32Array.from(starts);
      this.length = starts.length - 1;
    } else {
      this.length = context.length;
    }
  }

  /** Number of code points in the context. */
  get codePoints(): number {
    return this.length;
  }

  /** `context[start:end]` in code points. */
  slice(start: number, end: number): string {
    const a = Math.min(Math.max(start, 0), this.length);
    const b = Math.min(Math.max(end, 0), this.length);
    if (b <= a) return '';
    return this.utf16At ? this.context.slice(this.utf16At[a], this.utf16At[b]) : this.context.slice(a, b);
  }
}

/**
 * Check that every context offset of a feature lies within its example's context.
 * @throws MismatchError naming the example and feature: the windows were made from another context.
 */
export function checkOffsetsInContext(feature: CheckedFeature, slicer: ContextSlicer, exampleId: string): void {
  const { offsets } = feature;
  for (let i = 0; i < offsets.length; i += 2) {
    const end = offsets[i + 1] as number;
    if (end > slicer.codePoints || (offsets[i] as number) > end) {
      throw new MismatchError(
        `example ${exampleId}, feature ${feature.index}: token ${i / 2} has offsets [${offsets[i]}, ${end}] ` +
          `outside the context of ${slicer.codePoints} characters (windows made from another context?)`,
      );
    }
  }
}
