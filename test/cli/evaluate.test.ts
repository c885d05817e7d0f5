/**
 * `bertvision evaluate` end to end, in-process: the printed text must equal what evaluate-v2.0.py prints (Python's
 * json.dumps of the official outputs, from tools/squad/make_metric_fixtures.py), for every official argument set.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { SQUAD_DIR, readSquadJson, squadPath } from '../squad/shared-data.js';

const golden = JSON.parse(readFileSync(new URL('../fixtures/squad/metric-golden.json', import.meta.url), 'utf8')) as {
  dumps: Record<string, { indent2: string; plain: string }>;
};
const reference = readSquadJson('reference_eval_outputs.json') as Record<string, { args?: string }>;

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['evaluate', ...argv], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'bv-evaluate-'));
const DATA = squadPath('dev-v2.0.json');
const BERT = squadPath('preds/leaderboard_bert-single_google.dev-v2.0.predictions.json');

describe('bertvision evaluate', () => {
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each(Object.entries(golden.dumps))(
    'prints exactly what the official script prints: %s',
    async (name, { indent2, plain }) => {
      const args = (reference[name]?.args as string).split(' ').slice(2);
      const resolved = args.map((a) => (a.endsWith('.json') ? `${SQUAD_DIR}${a}` : a));
      const printed = await run(resolved);
      expect(printed).toEqual({ code: 0, stdout: `${indent2}\n`, stderr: '' });
      const outFile = join(tmp, `${name}.json`);
      expect((await run([...resolved, '-o', outFile])).stdout).toBe('');
      expect(readFileSync(outFile, 'utf8')).toBe(plain);
    },
  );

  it('accepts the long flag forms and writes PR curves and histograms with -p', async () => {
    const na = squadPath('preds/anuragsatish_bert-base-uncased.dev-v2.0.na_prob.json');
    const pred = squadPath('preds/anuragsatish_bert-base-uncased.dev-v2.0.predictions.json');
    const images = join(tmp, 'images');
    const { code, stdout } = await run([
      DATA,
      pred,
      '--na-prob-file',
      na,
      '--na-prob-thresh=0.1',
      '--out-image-dir',
      images,
      '-v',
    ]);
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as Record<string, number>;
    expect(printed.exact).toBe(49.22092141834414);
    expect(printed.pr_f1_ap).toBe(39.204062729593566);
    expect(readdirSync(images).sort()).toEqual([
      'na_prob_hist_hasAns.svg',
      'na_prob_hist_noAns.svg',
      'pr_exact.svg',
      'pr_f1.svg',
      'pr_oracle.svg',
    ]);
    expect(readFileSync(join(images, 'pr_f1.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<polyline [\s\S]*<\/svg>\n$/);
  });

  it('parses -t as Python float() does (inf, nan, underscores); nan never thresholds, like the official script', async () => {
    const na = squadPath('preds/anuragsatish_bert-base-uncased.dev-v2.0.na_prob.json');
    const pred = squadPath('preds/anuragsatish_bert-base-uncased.dev-v2.0.predictions.json');
    const exactAt = async (t: string): Promise<number> =>
      (JSON.parse((await run([DATA, pred, '-n', na, '-t', t])).stdout) as { exact: number }).exact;
    expect(await exactAt('nan')).toBe(47.283753053145794);
    expect(await exactAt('-1')).toBe((100 * 5945) / 11873); // -t -1 works as in argparse: every question abstains
    expect(
      (JSON.parse((await run([DATA, pred, '-n', na, '--na-prob-thresh=-inf'])).stdout) as { exact: number }).exact,
    ).toBe((100 * 5945) / 11873);
    expect(await exactAt('0.0_1')).toBe(52.977343552598334);
    expect(await exactAt('.01')).toBe(52.977343552598334);
    expect((await run([DATA, pred, '-t', '0x10'])).stderr).toMatch(/'0x10' is not a number/);
  });

  it('explains missing predictions and scores them as abstentions with --missing-as-abstain', async () => {
    const preds = readSquadJson('preds/leaderboard_bert-single_google.dev-v2.0.predictions.json') as Record<
      string,
      string
    >;
    const ids = Object.keys(preds);
    const partial = Object.fromEntries(ids.slice(0, 6000).map((k) => [k, preds[k]]));
    const file = join(tmp, 'partial.json');
    writeFileSync(file, JSON.stringify(partial));
    const failed = await run([DATA, file]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      new RegExp(
        `^bertvision evaluate: .*partial\\.json: 5873 of 11873 dataset questions have no prediction \\(first: ${ids[6000]}, `,
      ),
    );
    expect(failed.stderr).toMatch(/pass --missing-as-abstain/);
    const abstained = await run([DATA, file, '--missing-as-abstain']);
    expect(abstained.code).toBe(0);
    expect(abstained.stderr).toMatch(/5873 questions without a prediction scored as abstentions/);
    expect((JSON.parse(abstained.stdout) as { total: number }).total).toBe(11873);
  });

  it.each([
    [['only-one.json'], 2, /expected 2 arguments/],
    [[DATA, BERT, '--bogus'], 2, /unknown flag --bogus/],
    [[DATA, BERT, '-t', 'abc'], 2, /--na-prob-thresh: 'abc' is not a number/],
    [[DATA, BERT, '-p', 'imgs'], 2, /--out-image-dir needs --na-prob-file/],
    [[DATA, join(tmp, 'absent.json')], 1, /absent\.json: cannot read: no such file/],
    [[DATA, BERT, '-o', join(tmp, 'no', 'dir', 'out.json')], 1, /out\.json: cannot write/],
  ])('rejects bad usage %j', async (argv, code, message) => {
    const result = await run(argv);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it('names the file and the problem for corrupt inputs', async () => {
    const truncated = join(tmp, 'truncated.json');
    writeFileSync(truncated, readFileSync(BERT, 'utf8').slice(0, 1000));
    expect((await run([DATA, truncated])).stderr).toMatch(/truncated\.json: not valid JSON/);
    const notStrings = join(tmp, 'numbers.json');
    writeFileSync(notStrings, '{"56ddde6b9a695914005b9628": 3}');
    expect((await run([DATA, notStrings])).stderr).toMatch(
      /numbers\.json: the prediction for 56ddde6b9a695914005b9628 is not a string/,
    );
    const badNa = join(tmp, 'na.json');
    writeFileSync(badNa, '{"56ddde6b9a695914005b9628": null}');
    expect((await run([DATA, BERT, '-n', badNa])).stderr).toMatch(
      /na\.json: na_prob for 56ddde6b9a695914005b9628 must be a number/,
    );
    writeFileSync(badNa, '{"56ddde6b9a695914005b9628": 0.5}');
    expect((await run([DATA, BERT, '-n', badNa])).stderr).toMatch(/na\.json: 11872 scored questions have no na_prob/);
    expect((await run([BERT, BERT])).stderr).toMatch(
      /predictions\.json: a SQuAD dataset must be a JSON object with a "data" array/,
    );
  });
});
