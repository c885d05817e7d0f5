/**
 * Span QA on held-out questions with a head trained in the reproduction (docs/reproduction.md): the shipped span head
 * reads the hidden states of all-MiniLM-L6-v2 fine-tuned for one epoch of SQuAD 2.0, for eval-part questions it never
 * saw (data/minilm-finetuned, made by tools/reproduce/reproduce.py). For each question it prints the head's answer,
 * the gold answers and the fine-tuned model's own answer (its QA logits, stored beside the activations), decoded
 * with transformers' run_qa postprocessing.
 *
 * Run: npx tsx examples/span-qa.ts
 */
import { readFileSync, readdirSync } from 'node:fs';
import {
  decodeFeatures,
  initBackend,
  loadHeadForStore,
  openStore,
  predictStore,
  qaExamplesFor,
  readSquadQuestions,
  readStoreWindows,
  spanFeatures,
} from 'bertvision';

const data = 'data/minilm-finetuned';
const headName = readdirSync(data).find((name) => name.startsWith('span-head-'))!;
const storeName = readdirSync(data).find((name) => /^span-eval-\d+q\.safetensors$/.test(name))!;
const squadFile = `${data}/squad-eval-part.json`;
await initBackend({ log: console.log });

const questions = readSquadQuestions(JSON.parse(readFileSync(squadFile, 'utf8')), squadFile);
const store = await openStore(`${data}/${storeName}`);
const windows = await readStoreWindows(store, { offsets: true });
const examples = qaExamplesFor(questions, windows.exampleIds);
const logits = async (name: string) => (await store.read(name, 0, store.numExamples)) as Float32Array;
const bert = decodeFeatures(
  'hf',
  examples,
  spanFeatures(await logits('start_logits'), await logits('end_logits'), windows),
);

const model = await loadHeadForStore(`${data}/${headName}`, store);
const outputs = await predictStore(model, store);
model.dispose();
await store.close();
if (outputs.task !== 'span') throw new Error(`${headName} is not a span head`);
const head = decodeFeatures('hf', examples, spanFeatures(outputs.start, outputs.end, windows));

const show = (answer: string | undefined) => (answer ? `"${answer}"` : '(no answer)');
console.log(
  `${headName.replace('span-head-', '')} head on ${windows.count} windows of ${examples.length} held-out questions\n`,
);
for (const example of examples) {
  const question = questions.find((q) => q.id === example.id)!;
  console.log(`Q: ${question.question}`);
  console.log(`  head:  ${show(head.predictions.get(example.id))}`);
  console.log(
    `  gold:  ${question.hasAnswer ? [...new Set(question.goldTexts)].map(show).join(' | ') : '(no answer)'}`,
  );
  console.log(`  BERT:  ${show(bert.predictions.get(example.id))}\n`);
}
