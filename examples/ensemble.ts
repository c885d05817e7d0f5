/**
 * The seed's ensemble: the fine-tuned BERT's own span logits (stored in the activation store) combined with a
 * trained head by the element-wise max of their softmax probabilities, decoded and scored with the official SQuAD 2.0
 * metric, next to each member alone, on the held-out eval-part windows shipped in data/minilm-finetuned with the span
 * head trained in the reproduction (docs/reproduction.md has the same comparison on the whole eval part).
 *
 * Run: npx tsx examples/ensemble.ts
 */
import {
  combineWindows,
  decodeFeatures,
  initBackend,
  loadHeadForStore,
  openStore,
  predictStore,
  qaExamplesFor,
  readSquadQuestions,
  readStoreWindows,
  spanFeatures,
  squadMetrics,
} from 'bertvision';
import { readFileSync, readdirSync } from 'node:fs';

const data = 'data/minilm-finetuned';
const headName = readdirSync(data).find((name) => name.startsWith('span-head-'))!;
const head = `${data}/${headName}`;
await initBackend({ log: console.log });
const squadFile = `${data}/squad-eval-part.json`;
const questions = readSquadQuestions(JSON.parse(readFileSync(squadFile, 'utf8')), squadFile);
const storeName = readdirSync(data).find((name) => /^span-eval-\d+q\.safetensors$/.test(name))!;
const store = await openStore(`${data}/${storeName}`);
const windows = await readStoreWindows(store, { offsets: true });
const examples = qaExamplesFor(questions, windows.exampleIds);
const heldOut = questions.filter((q) => windows.exampleIds.includes(q.id));

const read = async (name: string) => Float32Array.from((await store.read(name, 0, store.numExamples)) as Float32Array);
const bert = spanFeatures(await read('start_logits'), await read('end_logits'), windows);
const model = await loadHeadForStore(head, store);
const outputs = await predictStore(model, store);
model.dispose();
if (outputs.task !== 'span') throw new Error('expected a span head');
const ours = spanFeatures(outputs.start, outputs.end, windows);
await store.close();

const rows: Array<[string, Record<string, number>]> = [
  ['BERT (MiniLM fine-tuned 1 epoch)', squadMetrics(decodeFeatures('hf', examples, bert), heldOut)],
  [`head (${headName.replace('span-head-', '')})`, squadMetrics(decodeFeatures('hf', examples, ours), heldOut)],
  [
    'ensemble: max probability',
    squadMetrics(
      decodeFeatures('hf', examples, combineWindows([bert, ours], { method: 'max-probability' })),
      questions,
    ),
  ],
  [
    'ensemble: mean probability',
    squadMetrics(
      decodeFeatures('hf', examples, combineWindows([bert, ours], { method: 'mean-probability' })),
      questions,
    ),
  ],
];
console.log(
  `\n${'model'.padEnd(38)} ${'EM'.padStart(7)} ${'F1'.padStart(7)}   (official SQuAD 2.0 metric, ${heldOut.length} held-out questions)`,
);
for (const [name, m] of rows)
  console.log(`${name.padEnd(38)} ${m.exact!.toFixed(2).padStart(7)} ${m.f1!.toFixed(2).padStart(7)}`);
