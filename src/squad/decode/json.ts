/**
 * The files transformers' `run_qa.py` writes after `postprocess_qa_predictions` (`eval_predictions.json`,
 * `eval_nbest_predictions.json`, `eval_null_odds.json`), in its exact format: `json.dumps(indent=4)` plus a newline,
 * ASCII-escaped strings, Python float repr, keys in example order. The predictions and null-odds files then feed
 * `bertvision evaluate pred.json -n null_odds.json` (or the official script) directly.
 */
import type { NBestEntry, QaDecodeResult } from './hf.js';
import { pythonJsonDumpsValue, type PyJson } from '../pyjson/python-json.js';

/** File contents of {@link transformersQaFiles}. */
export interface TransformersQaFiles {
  /** `predictions.json`: example id → answer text. */
  predictions: string;
  /** `nbest_predictions.json`: example id → candidates (`start_logit`, `end_logit`, `text`, `probability`). */
  nbest: string;
  /** `null_odds.json`: example id → null score difference; `undefined` without SQuAD 2.0 decoding (as transformers). */
  nullOdds: string | undefined;
}

const float = (value: number): PyJson => ({ kind: 'float', value });

/** transformers' key order: candidates lose `offsets`/`score` and gain `text`/`probability`; the placeholder starts with `text`. */
function nbestEntry(c: NBestEntry): PyJson {
  const logits: [string, PyJson][] = [
    ['start_logit', float(c.startLogit)],
    ['end_logit', float(c.endLogit)],
  ];
  const entries: [string, PyJson][] = c.placeholder ? [['text', c.text], ...logits] : [...logits, ['text', c.text]];
  return { entries: [...entries, ['probability', float(c.probability)]] };
}

/** Serialise a decoding as transformers writes it (indent 4, trailing newline). */
export function transformersQaFiles(result: QaDecodeResult): TransformersQaFiles {
  const dump = (value: PyJson): string => `${pythonJsonDumpsValue(value, 4)}\n`;
  return {
    predictions: dump({ entries: [...result.predictions] }),
    nbest: dump({ entries: [...result.nbest].map(([id, list]) => [id, list.map(nbestEntry)] as const) }),
    nullOdds:
      result.nullOdds.size > 0
        ? dump({ entries: [...result.nullOdds].map(([id, v]) => [id, float(v)] as const) })
        : undefined,
  };
}
