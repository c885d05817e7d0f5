/**
 * Answerability with the seed's Tenney-small head (a learned mix of the layers' CLS vectors + Dense(2): 2,077
 * parameters at BERT-large size, 781 here) on real all-MiniLM-L6-v2 activations shipped in data/minilm.
 * Trains on 300 questions of the train part of the fixed dev split, evaluates the 200 eval-part questions after every
 * epoch (the seed's question-level accuracy and no-answer F1), and writes the learned layer-weight plot.
 *
 * Run: npm run demo   (or: npx tsx examples/answerability.ts [epochs])
 */
import { initBackend, openStore, readSquadQuestions, trainHead } from 'bertvision';
import { readFileSync } from 'node:fs';

const epochs = Number(process.argv[2] ?? 10);
const squadFile = 'data/squad-dev-subset.json';
await initBackend({ log: console.log });

const result = await trainHead({
  trainStore: 'data/minilm/cls-train-300q.h5',
  devStore: 'data/minilm/cls-eval-200q.h5',
  squadFile,
  architecture: 'tenney-small',
  outDir: 'runs/answerability',
  epochs,
  batchSize: 32,
  learningRate: 1e-2,
  resume: false,
  onEpochEnd: (s) =>
    console.log(
      `epoch ${String(s.epoch).padStart(2)}  loss ${s.loss.toFixed(4)}  dev accuracy ${s.metrics.accuracy!.toFixed(4)}  no-answer F1 ${s.metrics.f1!.toFixed(4)}`,
    ),
}).catch((error: Error) => {
  if (/already holds a training run/.test(error.message))
    console.error('runs/answerability exists: delete it to train again.');
  throw error;
});

// Context: the majority-class baseline on the same 200 dev questions.
const dev = await openStore('data/minilm/cls-eval-200q.h5');
const devIds = new Set(dev.metadata!.example_ids!);
await dev.close();
const gold = readSquadQuestions(JSON.parse(readFileSync(squadFile, 'utf8')), squadFile).filter((q) => devIds.has(q.id));
const unanswerable = gold.filter((q) => !q.hasAnswer).length / gold.length;
const best = result.state.best!;
const history = result.state.history;
const last = history[history.length - 1]!;
console.log(
  `\nbest dev no-answer F1 ${best.value.toFixed(4)} at epoch ${best.epoch}; final accuracy ${last.metrics.accuracy!.toFixed(4)} on ${last.metrics.questions} questions`,
);
console.log(
  `majority-class accuracy on the same questions: ${Math.max(unanswerable, 1 - unanswerable).toFixed(4)} (see docs/guide.md on what these activations can tell)`,
);
console.log(
  `layer-weight plot: ${result.files.layerWeights}\nlearning curves:  ${result.files.learningCurves}\nbest model:       ${result.files.bestModel}`,
);
