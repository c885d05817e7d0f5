/**
 * Speed of the official SQuAD 2.0 evaluation on the whole dev set (11,873 questions, with an na_prob file so the
 * best-threshold search runs too): bertvision against the official algorithm in Python
 * (tools/squad/official_algorithm.py), on the same files; then span decoding (transformers'
 * postprocess_qa_predictions) on the same synthetic windows against its numpy re-implementation
 * (tools/squad/bench_decode.py). Both sides must give the same answers. Python and bertvision runs alternate, so
 * a load change on a shared machine hits both. Writes docs/benchmarks-evaluate.md.
 *
 * Run: npx tsx bench/evaluate.bench.ts [--repeats N]   (default 7)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/platform/atomic-file.js';
import { readSquadQuestions } from '../src/squad/dataset.js';
import type { QaFeature } from '../src/squad/decode/input.js';
import { postprocessQaPredictions } from '../src/squad/decode/hf.js';
import { parseNaProbs } from '../src/squad/metric/na-probs.js';
import { evaluateSquadV2 } from '../src/squad/metric/official-eval.js';
import { pythonJsonDumps } from '../src/squad/pyjson/python-json.js';
import { machineDescription, median } from './lib/machine.js';
import { markdownTable } from './lib/markdown-section.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const python = `${root}.venv/bin/python`;
const squad = `${root}data/squad/`;
const files = {
  data: `${squad}dev-v2.0.json`,
  predictions: `${squad}preds/anuragsatish_bert-base-uncased.dev-v2.0.predictions.json`,
  naProbs: `${squad}preds/anuragsatish_bert-base-uncased.dev-v2.0.na_prob.json`,
};
const repeatsAt = process.argv.indexOf('--repeats');
const repeats = repeatsAt > 0 ? Number(process.argv[repeatsAt + 1]) : 7;
const reference = (
  JSON.parse(readFileSync(`${squad}reference_eval_outputs.json`, 'utf8')) as Record<
    string,
    { output: Record<string, number> }
  >
)['anuragsatish_na_default_t1.0']?.output;

interface EvalTiming {
  compute: number;
  endToEnd: number;
  output: Record<string, number>;
}

/** One bertvision evaluation of the dev set, timed (seconds). */
function evaluateOnce(): EvalTiming {
  const t0 = performance.now();
  const questions = readSquadQuestions(JSON.parse(readFileSync(files.data, 'utf8')), files.data);
  const predictions = JSON.parse(readFileSync(files.predictions, 'utf8')) as Record<string, string>;
  const naProbs = parseNaProbs(readFileSync(files.naProbs, 'utf8'), files.naProbs);
  const t1 = performance.now();
  const result = evaluateSquadV2(questions, predictions, { naProbs });
  const t2 = performance.now();
  pythonJsonDumps(result.entries, 2);
  const t3 = performance.now();
  return { compute: (t2 - t1) / 1000, endToEnd: (t3 - t0) / 1000, output: result.metrics };
}

/** One Python evaluation (its own in-process timing, interpreter start excluded). */
function evaluateOncePython(): EvalTiming & { python: string } {
  const text = execFileSync(
    python,
    [`${root}tools/squad/official_algorithm.py`, files.data, files.predictions, files.naProbs, '--repeats', '1'],
    { encoding: 'utf8' },
  );
  const parsed = JSON.parse(text) as {
    compute_s: number;
    end_to_end_s: number;
    output: Record<string, number>;
    python: string;
  };
  return { compute: parsed.compute_s, endToEnd: parsed.end_to_end_s, output: parsed.output, python: parsed.python };
}

function sameAsOfficial(output: Record<string, number>): boolean {
  return reference !== undefined && Object.entries(reference).every(([k, v]) => output[k] === v);
}

/** Synthetic windows like a 384-token BERT run (20 question tokens, then 5-character context tokens), also on disk. */
function decodeWindows(
  windows: number,
  tokens: number,
): { features: QaFeature[]; examples: { id: string; context: string }[]; dir: string } {
  let state = 7;
  const rand = (): number => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32) * 8 - 4;
  const offsets = new Int32Array(tokens * 2).fill(-1);
  for (let t = 20; t < tokens - 1; t++) offsets.set([5 * (t - 20), 5 * (t - 20) + 4], 2 * t);
  const start = Float32Array.from({ length: windows * tokens }, rand);
  const end = Float32Array.from({ length: windows * tokens }, rand);
  const exampleIndex = Array.from({ length: windows }, (_, w) => Math.floor(w / 1.03));
  const numExamples = (exampleIndex[windows - 1] as number) + 1;
  const context = 'word '.repeat(tokens);
  const dir = mkdtempSync(join(tmpdir(), 'bv-decode-bench-'));
  writeFileSync(join(dir, 'start.f32'), start);
  writeFileSync(join(dir, 'end.f32'), end);
  writeFileSync(
    join(dir, 'offsets.i32'),
    new Int32Array(Array.from({ length: windows }, () => Array.from(offsets)).flat()),
  );
  writeFileSync(
    join(dir, 'meta.json'),
    JSON.stringify({ windows, tokens, examples: numExamples, example_index: exampleIndex, context, repeats: 1 }),
  );
  const features = exampleIndex.map((e, w) => ({
    exampleIndex: e,
    startLogits: start.subarray(w * tokens, (w + 1) * tokens),
    endLogits: end.subarray(w * tokens, (w + 1) * tokens),
    offsets,
  }));
  return { features, examples: Array.from({ length: numExamples }, (_, i) => ({ id: `q${i}`, context })), dir };
}

const DECODE_WINDOWS = 2000;
const ours: EvalTiming[] = [];
const theirs: (EvalTiming & { python: string })[] = [];
const decodeOurs: number[] = [];
const decodeTheirs: number[] = [];
evaluateOnce(); // warm-up (JIT)
const { features, examples, dir } = decodeWindows(DECODE_WINDOWS, 384);
try {
  postprocessQaPredictions(examples, features); // warm-up
  for (let r = 0; r < repeats; r++) {
    theirs.push(evaluateOncePython());
    ours.push(evaluateOnce());
    const py = JSON.parse(
      execFileSync(python, [`${root}tools/squad/bench_decode.py`, dir], { encoding: 'utf8', maxBuffer: 1 << 28 }),
    ) as { seconds: number; predictions: Record<string, string> };
    const t0 = performance.now();
    const decoded = postprocessQaPredictions(examples, features).predictions;
    decodeOurs.push((performance.now() - t0) / 1000);
    decodeTheirs.push(py.seconds);
    if (JSON.stringify(Object.fromEntries(decoded)) !== JSON.stringify(py.predictions))
      throw new Error('the decoders disagree');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (![...ours, ...theirs].every((t) => sameAsOfficial(t.output)))
  throw new Error('an implementation disagrees with the official output');

const ms = (s: number): string => (s * 1000).toFixed(1);
const row = (label: string, a: number[], b: number[]): string[] => [
  label,
  ms(median(a)),
  ms(median(b)),
  `${(median(b) / median(a)).toFixed(1)}×`,
];
const table = markdownTable(
  ['stage', 'bertvision (ms)', `Python ${theirs[0]?.python} official algorithm (ms)`, 'speed-up'],
  [
    row(
      'scoring only (raw scores, thresholds, best_*)',
      ours.map((t) => t.compute),
      theirs.map((t) => t.compute),
    ),
    row(
      'end to end (read + parse 3 files, score, format JSON)',
      ours.map((t) => t.endToEnd),
      theirs.map((t) => t.endToEnd),
    ),
  ],
);
const decodeTable = markdownTable(
  ['decoding', 'bertvision (ms)', 'Python reference, numpy (ms)', 'speed-up'],
  [row(`${DECODE_WINDOWS} windows × 384 tokens, n-best 20, SQuAD 2.0`, decodeOurs, decodeTheirs)],
);
const doc = `# Benchmark: SQuAD 2.0 evaluation

Generated by \`npx tsx bench/evaluate.bench.ts\`. Numbers vary between runs on a shared VM. Python and bertvision
runs alternate, so load changes hit both. Medians of ${repeats} runs each; Python times exclude interpreter start.
Machine: ${machineDescription()}.

## Official metric

Whole dev-v2.0 set (11,873 questions), anuragsatish predictions with its na_prob file (so the best-threshold search
runs). Baseline: the official algorithm in Python (\`tools/squad/official_algorithm.py\`), same files. Every run of
both reproduces the official \`evaluate-v2.0.py\` output exactly (checked).

${table}

## Span decoding

transformers' \`postprocess_qa_predictions\` on the same synthetic windows (seeded logits, 20 question tokens, the
rest context) in bertvision (\`postprocessQaPredictions\`, float32 arithmetic) and in its Python re-implementation
\`tools/squad/reference_postprocess.py\` (numpy float32, the loop structure of transformers' \`utils_qa.py\`).
Both give the same predictions (checked). Building the inputs is excluded.

${decodeTable}
`;
await writeFileAtomic(`${root}docs/benchmarks-evaluate.md`, doc);
process.stdout.write(doc);
