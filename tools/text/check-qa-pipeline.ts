/**
 * CI check: `createQaPipeline` over the ONNX export of tools/text/make_qa_fixture.py's QA model gives the answers
 * PyTorch + transformers' postprocessing give (test/fixtures/text/qa-pipeline.json): the same answer text and span,
 * and probabilities / null odds within float tolerance (ONNX Runtime vs PyTorch arithmetic).
 * Run: npx tsx tools/text/check-qa-pipeline.ts MODEL.onnx
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadOnnxEncoder } from '../../src/text/load-encoder.node.js';
import { loadTokenizer } from '../../src/text/load-tokenizer.node.js';
import { createQaPipeline } from '../../src/text/qa-pipeline.js';
import { readSquadExamples } from '../../src/text/squad-examples.js';

interface Expected {
  id: string;
  answer: string;
  best: string;
  start: number;
  end: number;
  score: number;
  no_answer_probability: number;
  null_odds: number;
  windows: number;
}

const model = process.argv[2];
if (!model) throw new Error('usage: check-qa-pipeline.ts MODEL.onnx');
const root = new URL('../../', import.meta.url);
const fixture = JSON.parse(readFileSync(new URL('test/fixtures/text/qa-pipeline.json', root), 'utf8')) as {
  max_seq_length: number;
  doc_stride: number;
  questions: Expected[];
};
const dev = readSquadExamples(JSON.parse(readFileSync(new URL('data/squad/dev-v2.0.json', root), 'utf8')));
const byId = new Map(dev.map((e) => [e.id, e]));
const encoder = await loadOnnxEncoder(model);
const qa = createQaPipeline({
  tokenizer: await loadTokenizer(join(dirname(model), 'tokenizer.json')),
  encoder,
  windows: { maxSeqLength: fixture.max_seq_length, docStride: fixture.doc_stride },
});
const close = (a: number, b: number, atol: number): boolean => Math.abs(a - b) <= atol + 1e-3 * Math.abs(b);
let failures = 0;
let worstScore = 0;
for (const want of fixture.questions) {
  const example = byId.get(want.id);
  if (!example) throw new Error(`question ${want.id} is not in the dev set`);
  const got = await qa.answer(example.question, example.context);
  const best = example.context.slice(got.start, got.end);
  worstScore = Math.max(worstScore, Math.abs(got.score - want.score));
  const same =
    got.answer === want.answer &&
    best === want.best &&
    got.start === want.start &&
    got.end === want.end &&
    got.windows === want.windows;
  if (
    !same ||
    !close(got.score, want.score, 1e-4) ||
    !close(got.noAnswerProbability, want.no_answer_probability, 1e-6) ||
    !close(got.nullOdds, want.null_odds, 2e-3)
  ) {
    failures++;
    console.error(`MISMATCH ${want.id}: got ${JSON.stringify({ ...got, best })}, want ${JSON.stringify(want)}`);
  }
}
await encoder.dispose();
console.log(
  `${fixture.questions.length - failures}/${fixture.questions.length} answers as PyTorch's (${encoder.runtime}); max |score difference| ${worstScore.toExponential(2)}`,
);
process.exit(failures === 0 ? 0 : 1);
