/** Writing a span decoding as transformers' `run_qa.py` output files, atomically, into a directory. */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { QaDecodeResult } from '../squad/decode/hf.js';
import { transformersQaFiles } from '../squad/decode/json.js';
import { writeFileAtomic } from '../platform/atomic-file.js';

/** Paths written by {@link writeQaOutputs}. */
export interface QaOutputFiles {
  /** `predictions.json`: qid → answer ("" = no answer). */
  predictions: string;
  /** `nbest_predictions.json` (only when the decoder made n-best lists). */
  nbest: string | null;
  /** `null_odds.json` (SQuAD 2.0 decoding), usable as `bertvision evaluate -n`. */
  nullOdds: string | null;
}

/**
 * Write `predictions.json`, and `nbest_predictions.json` / `null_odds.json` where the decoding has them, into `dir`
 * (created).
 */
export async function writeQaOutputs(dir: string, decoded: QaDecodeResult): Promise<QaOutputFiles> {
  await fs.mkdir(dir, { recursive: true });
  const files = transformersQaFiles(decoded);
  const paths: QaOutputFiles = { predictions: join(dir, 'predictions.json'), nbest: null, nullOdds: null };
  await writeFileAtomic(paths.predictions, files.predictions);
  if (decoded.nbest.size > 0) {
    paths.nbest = join(dir, 'nbest_predictions.json');
    await writeFileAtomic(paths.nbest, files.nbest);
  }
  if (files.nullOdds !== undefined) {
    paths.nullOdds = join(dir, 'null_odds.json');
    await writeFileAtomic(paths.nullOdds, files.nullOdds);
  }
  return paths;
}
