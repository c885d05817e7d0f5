/**
 * Keras-style default layer names (`bert_concat`, `bert_concat_1`, …) so that saved weights read
 * `bert_concat/weights` and `bert_concat/probes` like the seed's Keras models (tfjs alone would name the layer
 * `bert_concat_BertConcat1`).
 */

const used = new Map<string, number>();

/**
 * The next default name for `base` in this process: `base` first, then `base_1`, `base_2`, …
 * An explicit `name` passed by the caller always wins; this only fills in a missing one.
 */
export function defaultLayerName(base: string, explicit: string | undefined): string {
  if (explicit !== undefined) return explicit;
  const count = used.get(base) ?? 0;
  used.set(base, count + 1);
  return count === 0 ? base : `${base}_${count}`;
}
