/**
 * Where a decoded answer sits in its context, for highlighting: the decoder returns text only, so this finds the
 * token span (start ≤ end, both in the context) whose character range gives exactly that text and whose
 * start + end logit is highest among those — the candidate the decoder picked.
 */

/** The character range `[start, end)` of `text` in the context, or undefined for the empty answer. */
export function locateAnswer(
  text: string,
  context: string,
  windows: readonly number[],
  offsets: Int32Array,
  start: Float32Array,
  end: Float32Array,
  sequenceLength: number,
): { start: number; end: number } | undefined {
  if (text === '') return undefined;
  let best: { start: number; end: number; score: number } | undefined;
  for (const w of windows) {
    const base = w * sequenceLength;
    for (let s = 0; s < sequenceLength; s++) {
      const a = offsets[(base + s) * 2]!;
      if (a < 0 || offsets[(base + s) * 2 + 1]! < 0) continue;
      for (let e = s; e < sequenceLength; e++) {
        const b = offsets[(base + e) * 2 + 1]!;
        if (b < 0) continue;
        if (b - a !== text.length || context.slice(a, b) !== text) continue;
        const score = start[base + s]! + end[base + e]!;
        if (!best || score > best.score) best = { start: a, end: b, score };
      }
    }
  }
  if (best) return { start: best.start, end: best.end };
  const at = context.indexOf(text);
  return at < 0 ? undefined : { start: at, end: at + text.length };
}
