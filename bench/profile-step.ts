/**
 * Where the milliseconds of one training step go, as `bertvision train` runs it (the backend `initBackend()` picks,
 * the store read through `storeBatchSource`): the read (file → float32 batch), the upload into the backend, and
 * `trainOnBatch` broken down by kernel with `tf.profile`. Prints a table; `--json` prints the rows as JSON.
 *
 * Run: npx tsx bench/profile-step.ts STORE --arch ARCH [--batch 8] [--steps 4] [--adapter-dim A] [--matmul bf16] [--json]
 */
import * as tf from '@tensorflow/tfjs';
import '../src/backend/node-candidates.js';
import { initBackend } from '../src/backend/choose.js';
import { setMatMulPrecision } from '../src/backend/kernels/native-matmul.js';
import { storeBatchSource } from '../src/data/dataset-tf.js';
import { getArchitecture } from '../src/models/registry.js';
import { openStore } from '../src/store/open-store.js';
import { median } from './lib/machine.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};
const path = args[0]!;
const arch = flag('--arch', 'learned-pooling');
const batchSize = Number(flag('--batch', '8'));
const steps = Number(flag('--steps', '4'));

const adapterDim = flag('--adapter-dim', '');

const choice = await initBackend();
setMatMulPrecision(flag('--matmul', 'fp32') === 'bf16' ? 'bf16' : 'fp32');
const store = await openStore(path);
const info = getArchitecture(arch);
const inputShape = store.tensors[store.activations]!.shape.slice(1);
const model = info.build({
  inputShape: inputShape as [number, number, number],
  ...(adapterDim ? { adapterDim: Number(adapterDim) } : {}),
});
const source = storeBatchSource(store, {
  batchSize,
  labels: info.task === 'span' ? 'span' : 'binary',
  shuffle: { seed: 0 },
  prefetch: 0,
  oneHot: true,
  spanOneHot: true,
});

const phases: Record<string, number[]> = { read: [], upload: [], step: [] };
const kernels = new Map<string, number[]>();
let done = 0;
const iterator = source.batches(0)[Symbol.asyncIterator]();
while (done < steps + 1) {
  const t0 = performance.now();
  const next = await iterator.next();
  if (next.done) break;
  const t1 = performance.now();
  const batch = next.value;
  // storeBatchSource uploads inside the iterator: time a second upload of the same values apart.
  const values = await (batch.xs as tf.Tensor).data();
  const t2 = performance.now();
  const again = tf.tensor(values, (batch.xs as tf.Tensor).shape);
  const t3 = performance.now();
  again.dispose();
  const profile = await tf.profile(async () => {
    await model.trainOnBatch(batch.xs, batch.ys);
  });
  const t4 = performance.now();
  tf.dispose([batch.xs, batch.ys] as tf.TensorContainer);
  if (done > 0) {
    phases.read!.push(t1 - t0 - (t3 - t2));
    phases.upload!.push(t3 - t2);
    phases.step!.push(t4 - t3);
    const perStep = new Map<string, number>();
    for (const k of profile.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const key = `${k.name} ${k.inputShapes.map((s) => `[${s?.join(',')}]`).join('')}`;
      perStep.set(key, (perStep.get(key) ?? 0) + ms);
    }
    for (const [key, ms] of perStep) kernels.set(key, [...(kernels.get(key) ?? []), ms]);
  }
  done++;
}
const rows = [
  ...Object.entries(phases).map(([name, ms]) => ({ what: name, ms: median(ms) })),
  ...[...kernels.entries()]
    .map(([name, ms]) => ({ what: `  kernel ${name}`, ms: median(ms) }))
    .sort((a, b) => b.ms - a.ms),
];
if (args.includes('--json')) console.log(JSON.stringify({ backend: choice.backend, arch, batchSize, rows }));
else {
  console.log(`${arch} batch ${batchSize} on ${choice.backend}, store ${path} [${inputShape.join(',')}]`);
  for (const r of rows.filter((r) => r.ms >= 0.05)) console.log(`${r.ms.toFixed(2).padStart(9)} ms  ${r.what}`);
}
model.dispose();
await store.close?.();
