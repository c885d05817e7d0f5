/**
 * Span QA with the seed's shared adapter head (AdapterPooler E→A per layer + GELU, then a position-wise Dense(2))
 * on real activations of an all-MiniLM-L6-v2 fine-tuned for 0.1 epoch of SQuAD 2.0 (data/minilm, 6 windows of 128
 * tokens). The shipped store is tiny (a span window is 128×384×7 values), so this trains and scores on the same 6
 * windows: it demonstrates the pipeline (store → head → decoder → official metric), not generalisation. Full-size
 * stores: tools/extract/make_minilm_stores.sh --full DIR, then point trainStore/devStore there.
 *
 * Run: npx tsx examples/span-qa.ts [epochs]
 */
import { initBackend, trainHead } from 'bertvision';

const epochs = Number(process.argv[2] ?? 15);
const store = 'data/minilm/span-eval-6q-finetuned.safetensors';
await initBackend({ log: console.log });

const result = await trainHead({
  trainStore: store,
  devStore: store,
  squadFile: 'data/squad-dev-subset.json',
  architecture: 'adapter-64',
  outDir: 'runs/span-qa',
  epochs,
  batchSize: 2,
  learningRate: 3e-3,
  onEpochEnd: (s) =>
    console.log(
      `epoch ${String(s.epoch).padStart(2)}  loss ${s.loss.toFixed(4)}  exact ${s.metrics.exact!.toFixed(2)}  f1 ${s.metrics.f1!.toFixed(2)}  (HasAns f1 ${s.metrics.HasAns_f1!.toFixed(2)}, NoAns f1 ${s.metrics.NoAns_f1!.toFixed(2)})`,
    ),
});
console.log(
  `\nbest in-sample SQuAD 2.0 F1 ${result.state.best!.value.toFixed(2)} at epoch ${result.state.best!.epoch} (6 windows, official metric)`,
);
console.log(`head: ${result.files.bestModel}`);
