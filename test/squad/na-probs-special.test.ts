/**
 * na_prob values that the official script accepts beyond plain floats: NaN, Infinity, true and false (json.load
 * reads them; `>` and `sorted` compare them). The built `bertvision evaluate` prints what Python prints for the same
 * files: the expected output was computed by tools/squad/official_algorithm.py's `evaluate` on
 * test/fixtures/squad/na-special (8 questions, na_probs NaN/true/0.3/NaN/false/0.9/Infinity/0.1).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = `${root}test/fixtures/squad/na-special`;

const PYTHON = {
  exact: 62.5,
  f1: 70.83333333333333,
  total: 8,
  HasAns_exact: 60.0,
  HasAns_f1: 73.33333333333333,
  HasAns_total: 5,
  NoAns_exact: 66.66666666666667,
  NoAns_f1: 66.66666666666667,
  NoAns_total: 3,
  best_exact: 75.0,
  best_exact_thresh: 0.1,
  best_f1: 83.33333333333334,
  best_f1_thresh: 0.3,
};

describe('na_prob NaN / Infinity / booleans', () => {
  it('scores as the official algorithm does', () => {
    const run = spawnSync(
      process.execPath,
      [`${root}dist/cli/main.js`, 'evaluate', `${dir}/data.json`, `${dir}/preds.json`, '-n', `${dir}/na.json`],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(PYTHON);
  });

  it('names the dataset file when it holds no questions', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'bv-empty-'));
    try {
      writeFileSync(join(tmp, 'empty.json'), JSON.stringify({ version: 'v2.0', data: [] }));
      writeFileSync(join(tmp, 'preds.json'), '{}');
      const run = spawnSync(
        process.execPath,
        [`${root}dist/cli/main.js`, 'evaluate', join(tmp, 'empty.json'), join(tmp, 'preds.json')],
        { encoding: 'utf8' },
      );
      expect(run.stderr).toContain(`${join(tmp, 'empty.json')}: the dataset has no questions to score`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
