/**
 * The `--out` directory of `predict` and `ensemble`: outputs of an older run there are never mixed silently with the
 * new ones (a span run's `null_odds.json` beside a binary run's `no_answer_probability.json`, say). Without
 * `--overwrite` the command refuses before doing any work; with it, the older outputs are removed first and listed.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { CliIO } from './command.js';

/** Every file `predict` or `ensemble` may write (writeQaOutputs in src/jobs/qa-output.ts, and predictHead's). */
export const PREDICTION_OUTPUTS = [
  'predictions.json',
  'nbest_predictions.json',
  'null_odds.json',
  'no_answer_probability.json',
] as const;

/** The `--overwrite` line of the usage texts. */
export const OVERWRITE_USAGE =
  '  --overwrite              replace the outputs of an earlier run in --out (default: refuse)';

/** The prediction outputs already in `dir`. */
export function existingOutputs(dir: string): string[] {
  return PREDICTION_OUTPUTS.filter((name) => existsSync(join(dir, name)));
}

/**
 * Refuse (without `overwrite`) when `dir` holds outputs of an earlier run. @throws UsageError naming them.
 * Call before the backend starts, so the refusal costs nothing.
 */
export function checkOutputDir(dir: string, overwrite: boolean): void {
  const older = existingOutputs(dir);
  if (older.length > 0 && !overwrite)
    throw new UsageError(
      `${dir} already holds the outputs of an earlier run (${older.join(', ')}); pass --overwrite to replace them, ` +
        'or choose another --out',
    );
}

/** With `overwrite`, remove the older outputs in `dir` and say so on stderr. */
export async function clearOutputDir(dir: string, overwrite: boolean, io: CliIO): Promise<void> {
  const older = existingOutputs(dir);
  if (!overwrite || older.length === 0) return;
  await Promise.all(older.map((name) => rm(join(dir, name))));
  io.stderr(`bertvision: --overwrite: removed the earlier outputs in ${dir} (${older.join(', ')})\n`);
}
