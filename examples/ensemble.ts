/**
 * The seed's ensemble: the fine-tuned BERT's own span logits (stored in the activation store) combined with a
 * trained head by the element-wise max of their softmax probabilities, decoded and scored with the official SQuAD 2.0
 * metric, next to each member alone. Uses the head trained by examples/span-qa.ts (run that first).
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
import { existsSync, readFileSync } from 'node:fs';

const head = 'runs/span-qa/best-model';
if (!existsSync(head)) throw new Error(`${head} not found: run 'npx tsx examples/span-qa.ts' first`);
await initBackend({ log: console.log });
const squadFile = 'data/squad-dev-subset.json';
const questions = readSquadQuestions(JSON.parse(readFileSync(squadFile, 'utf8')), squadFile);
const store = await openStore('data/minilm/span-eval-6q-finetuned.safetensors');
const windows = await readStoreWindows(store, { offsets: true });
const examples = qaExamplesFor(questions, windows.exampleIds);

const read = async (name: string) => Float32Array.from((await store.read(name, 0, store.numExamples)) as Float32Array);
const bert = spanFeatures(await read('start_logits'), await read('end_logits'), windows);
const model = await loadHeadForStore(head, store);
const outputs = await predictStore(model, store);
model.dispose();
if (outputs.task !== 'span') throw new Error('expected a span head');
const ours = spanFeatures(outputs.start, outputs.end, windows);
await store.close();

const rows: Array<[string, Record<string, number>]> = [
  ['BERT (fine-tuned MiniLM, 0.1 epoch)', squadMetrics(decodeFeatures('hf', examples, bert), questions)],
  ['our head (adapter-64)', squadMetrics(decodeFeatures('hf', examples, ours), questions)],
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
  `\n${'model'.padEnd(38)} ${'EM'.padStart(7)} ${'F1'.padStart(7)}   (official SQuAD 2.0 metric, ${windows.count} windows)`,
);
for (const [name, m] of rows)
  console.log(`${name.padEnd(38)} ${m.exact!.toFixed(2).padStart(7)} ${m.f1!.toFixed(2).padStart(7)}`);
