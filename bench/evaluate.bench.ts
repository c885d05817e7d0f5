/**
 * Speed of the official SQuAD 2.0 evaluation on the whole dev set (11,873 questions, with an na_prob file so the
 * best-threshold search runs too): bertvision against the official algorithm in Python
 * (tools/squad/official_algorithm.py), both timed in this run on the same files. Checks that both give the official
 * numbers. Then span decoding (transformers' postprocess_qa_predictions) on the same synthetic windows in both
 * (tools/squad/bench_decode.py), checked to give the same predictions. Writes docs/benchmarks-evaluate.md.
 *
 * Run: npx tsx bench/evaluate.bench.ts [--repeats N]   (default 7)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/node/atomic-file.js';
import { readSquadQuestions } from '../src/squad/dataset.js';
import { postprocessQaPredictions } from '../src/squad/decode.js';
import type { QaFeature } from '../src/squad/decode-input.js';
import { parseNaProbs } from '../src/squad/na-probs.js';
import { evaluateSquadV2 } from '../src/squad/official-eval.js';
import { pythonJsonDumps } from '../src/squad/python-json.js';
import { machineDescription, median } from './lib/machine.js';
import { markdownTable } from './lib/markdown-section.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const squad = `${root}../shared/data/squad/`;
const files = {
  data: `${squad}dev-v2.0.json`,
  predictions: `${squad}preds/anuragsatish_bert-base-uncased.dev-v2.0.predictions.json`,
  naProbs: `${squad}preds/anuragsatish_bert-base-uncased.dev-v2.0.na_prob.json`,
};
const repeatsAt = process.argv.indexOf('--repeats');
const repeats = repeatsAt > 0 ? Number(process.argv[repeatsAt + 1]) : 7;
const reference = (JSON.parse(readFileSync(`${squad}reference_eval_outputs.json`, 'utf8')) as Record<string, { output: Record<string, number> }>)['anuragsatish_na_default_t1.0']?.output;

function timeBertvision(): { compute: number; endToEnd: number; output: Record<string, number> } {
  const compute: number[] = [];
  const endToEnd: number[] = [];
  let output: Record<string, number> = {};
  for (let r = 0; r < repeats + 1; r++) {
    const t0 = performance.now();
    const questions = readSquadQuestions(JSON.parse(readFileSync(files.data, 'utf8')), files.data);
    const predictions = JSON.parse(readFileSync(files.predictions, 'utf8')) as Record<string, string>;
    const naProbs = parseNaProbs(readFileSync(files.naProbs, 'utf8'), files.naProbs);
    const t1 = performance.now();
    const result = evaluateSquadV2(questions, predictions, { naProbs });
    const t2 = performance.now();
    pythonJsonDumps(result.entries, 2);
    const t3 = performance.now();
    if (r === 0) continue; // warm-up (JIT)
    compute.push((t2 - t1) / 1000);
    endToEnd.push((t3 - t0) / 1000);
    output = result.metrics;
  }
  return { compute: median(compute), endToEnd: median(endToEnd), output };
}

function timePython(): { compute: number; endToEnd: number; output: Record<string, number>; python: string } {
  const script = `${root}tools/squad/official_algorithm.py`;
  const text = execFileSync(`${root}.venv/bin/python`, [script, files.data, files.predictions, files.naProbs, '--repeats', String(repeats)], { encoding: 'utf8' });
  const parsed = JSON.parse(text) as { compute_s: number; end_to_end_s: number; output: Record<string, number>; python: string };
  return { compute: parsed.compute_s, endToEnd: parsed.end_to_end_s, output: parsed.output, python: parsed.python };
}

function sameAsOfficial(output: Record<string, number>): boolean {
  return reference !== undefined && Object.entries(reference).every(([k, v]) => output[k] === v);
}

/** Synthetic windows like a 384-token BERT run: 20 question tokens, then context tokens of 5 characters. */
function decodeWindows(windows: number, tokens: number): { features: QaFeature[]; examples: { id: string; context: string }[]; dir: string } {
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
  writeFileSync(join(dir, 'offsets.i32'), new Int32Array(Array.from({ length: windows }, () => Array.from(offsets)).flat()));
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ windows, tokens, examples: numExamples, example_index: exampleIndex, context, repeats: Math.max(1, Math.floor(repeats / 2)) }));
  const features = exampleIndex.map((e, w) => ({ exampleIndex: e, startLogits: start.subarray(w * tokens, (w + 1) * tokens), endLogits: end.subarray(w * tokens, (w + 1) * tokens), offsets }));
  return { features, examples: Array.from({ length: numExamples }, (_, i) => ({ id: `q${i}`, context })), dir };
}

function timeDecode(windows: number, tokens: number): { ours: number; python: number } {
  const { features, examples, dir } = decodeWindows(windows, tokens);
  try {
    const text = execFileSync(`${root}.venv/bin/python`, [`${root}tools/squad/bench_decode.py`, dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const py = JSON.parse(text) as { seconds: number; predictions: Record<string, string> };
    const times: number[] = [];
    let predictions = new Map<string, string>();
    for (let r = 0; r < repeats + 1; r++) {
      const t0 = performance.now();
      predictions = postprocessQaPredictions(examples, features).predictions;
      if (r > 0) times.push((performance.now() - t0) / 1000);
    }
    if (JSON.stringify(Object.fromEntries(predictions)) !== JSON.stringify(py.predictions)) throw new Error('decoders disagree');
    return { ours: median(times), python: py.seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const python = timePython();
const ours = timeBertvision();
const DECODE_WINDOWS = 2000;
const decode = timeDecode(DECODE_WINDOWS, 384);
if (!sameAsOfficial(ours.output) || !sameAsOfficial(python.output)) throw new Error('an implementation disagrees with the official output');
const ms = (s: number): string => (s * 1000).toFixed(1);
const table = markdownTable(
  ['stage', 'bertvision (ms)', `Python ${python.python} official algorithm (ms)`, 'speed-up'],
  [
    ['scoring only (raw scores, thresholds, best_*)', ms(ours.compute), ms(python.compute), `${(python.compute / ours.compute).toFixed(1)}×`],
    ['end to end (read + parse 3 files, score, format JSON)', ms(ours.endToEnd), ms(python.endToEnd), `${(python.endToEnd / ours.endToEnd).toFixed(1)}×`],
  ],
);
const decodeTable = markdownTable(
  ['decoding', 'bertvision (ms)', 'Python reference, numpy (ms)', 'speed-up'],
  [[`${DECODE_WINDOWS} windows × 384 tokens, n-best 20, SQuAD 2.0`, ms(decode.ours), ms(decode.python), `${(decode.python / decode.ours).toFixed(1)}×`]],
);
const doc = `# Benchmark: SQuAD 2.0 evaluation

Generated by \`npx tsx bench/evaluate.bench.ts\`; numbers vary 15–30 % between runs on a shared VM.

Whole dev-v2.0 set (11,873 questions), anuragsatish predictions with its na_prob file (so the best-threshold search
runs). Baseline: the official algorithm in Python (\`tools/squad/official_algorithm.py\`), same files, same run.
Both reproduce the official \`evaluate-v2.0.py\` output exactly (checked before timing is reported).
Median of ${repeats} runs (bertvision after one warm-up run). Machine: ${machineDescription()}.

${table}

## Span decoding

transformers' \`postprocess_qa_predictions\` on the same synthetic windows (seeded logits, 20 question tokens, the
rest context) in bertvision (\`postprocessQaPredictions\`, float32 arithmetic) and in its Python re-implementation
\`tools/squad/reference_postprocess.py\` (numpy float32, the loop structure of transformers' \`utils_qa.py\`);
both give the same predictions (checked). Excludes building the inputs.

${decodeTable}
`;
await writeFileAtomic(`${root}docs/benchmarks-evaluate.md`, doc);
process.stdout.write(doc);
