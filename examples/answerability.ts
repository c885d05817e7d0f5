/**
 * Answerability with the seed's Tenney-small head (a learned mix of the layers' CLS vectors + Dense(2): 2,077
 * parameters at BERT-large size, 778 here: 7 layer weights, γ and Dense(384→2)) on real activations of
 * all-MiniLM-L6-v2 fine-tuned for one epoch of SQuAD 2.0 span QA (data/minilm-finetuned, made by
 * tools/reproduce/reproduce.py). Trains on 2,400 questions of the train part of the fixed dev split and evaluates
 * every eval-part question after each epoch (the seed's question-level accuracy and no-answer F1). Ends with one
 * summary line: the head's final-epoch accuracy (no choice is made on the eval part) against the majority class and
 * against the backbone's own no-answer decision (transformers' run_qa: null score minus best span score over a
 * question's windows, above a threshold chosen on the train store, never on the eval part).
 *
 * Run: npm run demo   (or: npx tsx examples/answerability.ts [epochs])
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { type ActivationStore, initBackend, openStore, readSquadQuestions, trainHead } from 'bertvision';

const epochs = Number(process.argv[2] ?? 10);
const data = 'data/minilm-finetuned';
const trainStore = `${data}/cls-train-2400q.h5`;
const evalStore = `${data}/cls-eval.h5`;
const squadFile = `${data}/squad-eval-part.json`;
const outDir = 'runs/answerability';
await initBackend({ log: console.log });

// Rerunnable: an earlier run's outputs are kept beside, never overwritten.
if (existsSync(outDir)) {
  const kept = `${outDir}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(outDir, kept);
  console.log(`earlier run moved to ${kept}`);
}

const result = await trainHead({
  trainStore,
  devStore: evalStore,
  squadFile,
  architecture: 'tenney-small',
  outDir,
  epochs,
  batchSize: 32,
  learningRate: 1e-2,
  onEpochEnd: (s) =>
    console.log(
      `epoch ${String(s.epoch).padStart(2)}  loss ${s.loss.toFixed(4)}  eval accuracy ${s.metrics.accuracy!.toFixed(4)}  no-answer F1 ${s.metrics.f1!.toFixed(4)}`,
    ),
});

/** A per-window tensor as numbers (int64 tensors come back as bigints). */
async function readNumbers(store: ActivationStore, name: string): Promise<number[]> {
  return Array.from((await store.read(name, 0, store.numExamples)) as ArrayLike<number | bigint>, Number);
}

/** Per question: min over its windows of run_qa's null score minus max of its best span score. */
async function nullScoreDifferences(store: ActivationStore): Promise<Map<string, number>> {
  const ids = store.metadata!.example_ids!;
  const [nulls, bests, example] = [
    await readNumbers(store, 'null_score'),
    await readNumbers(store, 'best_span_score'),
    await readNumbers(store, 'example_index'),
  ];
  const minNull = new Map<string, number>();
  const maxBest = new Map<string, number>();
  example.forEach((e, w) => {
    const qid = ids[e]!;
    minNull.set(qid, Math.min(minNull.get(qid) ?? Infinity, nulls[w]!));
    maxBest.set(qid, Math.max(maxBest.get(qid) ?? -Infinity, bests[w]!));
  });
  return new Map([...minNull].map(([qid, n]) => [qid, n - maxBest.get(qid)!]));
}

/** Fraction of questions where "difference > threshold" (no answer) agrees with the gold label. */
const accuracyAt = (differences: Map<string, number>, gold: Map<string, boolean>, threshold: number): number =>
  [...differences].filter(([qid, d]) => d > threshold === gold.get(qid)).length / differences.size;

const gold = new Map(
  readSquadQuestions(JSON.parse(readFileSync(squadFile, 'utf8')), squadFile).map((q) => [q.id, !q.hasAnswer]),
);
const goldTrain = new Map<string, boolean>();
const train = await openStore(trainStore);
const trainDifferences = await nullScoreDifferences(train);
// a question has no answer when none of its windows holds one (a window without the answer span is labelled 1)
const trainImpossible = await readNumbers(train, 'is_impossible');
(await readNumbers(train, 'example_index')).forEach((e, w) => {
  const qid = train.metadata!.example_ids![e]!;
  goldTrain.set(qid, (goldTrain.get(qid) ?? true) && trainImpossible[w] === 1);
});
await train.close();
// the threshold with the best train accuracy, among midpoints of the sorted train differences
const sorted = [...trainDifferences.values()].sort((a, b) => a - b);
const candidates = [sorted[0]! - 1, ...sorted.slice(1).map((v, i) => (v + sorted[i]!) / 2), sorted.at(-1)! + 1];
const threshold = candidates.reduce((best, t) =>
  accuracyAt(trainDifferences, goldTrain, t) > accuracyAt(trainDifferences, goldTrain, best) ? t : best,
);
const evaluation = await openStore(evalStore);
const evalDifferences = await nullScoreDifferences(evaluation);
await evaluation.close();
const backbone = accuracyAt(evalDifferences, gold, threshold);
const unanswerable = [...evalDifferences.keys()].filter((qid) => gold.get(qid)).length / evalDifferences.size;

const last = result.state.history.at(-1)!;
console.log(
  `layer weights: ${result.files.layerWeights}\nlearning curves: ${result.files.learningCurves}\nmodel: ${result.files.model}`,
);
console.log(
  `summary: head accuracy ${last.metrics.accuracy!.toFixed(4)}, majority ${Math.max(unanswerable, 1 - unanswerable).toFixed(4)}, backbone ${backbone.toFixed(4)} (${last.metrics.questions} eval questions)`,
);
