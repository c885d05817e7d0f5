/** Flags shared by the commands that decode spans (`predict`, `ensemble`). */
import type { SpanDecoder } from '../squad/decode/dispatch.js';
import type { PostprocessOptions } from '../squad/decode/hf.js';
import { choice, finiteNumber, positiveInt } from './flags.js';

/** `parseArgs` option specs of the decoding flags. */
export const DECODE_FLAG_SPECS = {
  decoder: { type: 'string' },
  'n-best-size': { type: 'string' },
  'max-answer-length': { type: 'string' },
  'null-score-diff-threshold': { type: 'string' },
} as const;

/** Help text of the decoding flags. */
export const DECODE_FLAG_HELP =
  "  --decoder <name>         hf (transformers' postprocess_qa_predictions, default) | legacy (the seed's argmax)\n" +
  `  --n-best-size <n>        candidates per window and n-best length (default 20)
  --max-answer-length <n>  longest answer in tokens (default 30)
  --null-score-diff-threshold <x>  answer "" when null − best > x (default 0)`;

/** The decoder and its options from parsed flag values. @throws UsageError for bad values. */
export function decodeOptionsFrom(values: Record<string, unknown>): {
  decoder: SpanDecoder;
  options: PostprocessOptions;
} {
  const text = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  return {
    decoder: choice('--decoder', text('decoder'), ['hf', 'legacy'] as const, 'hf'),
    options: {
      nBestSize: positiveInt('--n-best-size', text('n-best-size'), 20),
      maxAnswerLength: positiveInt('--max-answer-length', text('max-answer-length'), 30),
      nullScoreDiffThreshold: finiteNumber('--null-score-diff-threshold', text('null-score-diff-threshold'), 0),
    },
  };
}

/** A metrics object as one line: `exact 71.20 · f1 74.31 · …` (integers as they are, others to 4 digits). */
export function metricsLine(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join(' · ');
}
