/**
 * Where the milliseconds of one training step go, as `bertvision train` runs it (the backend `initBackend()` picks,
 * batches from `storeBatchSource`, the CLI's batch sizes): the read (file → tensor in the backend, float16 decoded on
 * the way) and the step `fit` takes (`trainStepFor`), broken down by kernel with `tf.profile`. For the adapter heads
 * it also times the adapter's two matrix products alone (plain layouts, the same shapes, the same kernel) to give the
 * step's share of the GEMM limit, over a profiled step and over an unprofiled loop that reads ahead as `trainHead` does.
 *
 *   npx tsx bench/profile-step.ts STORE --arch ARCH [--batch B] [--steps 6]        print one head's profile
 *   npx tsx bench/profile-step.ts --write STORE:ARCH[:B] [STORE:ARCH[:B] ...]      the `step-profile` section of
 *                                                                                   docs/benchmarks.md
 * `--matmul bf16` (anywhere) times the opt-in bf16 products. Kernel times nest: a custom-gradient scope (`unnamed scope`, `forward`) includes the kernels it runs, so it is listed apart.
 */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '../src/backend/node-candidates.js';
import { initBackend } from '../src/backend/choose.js';
import { setMatMulPrecision } from '../src/backend/kernels/native-matmul.js';
import { prefaultTrainingHeap } from '../src/backend/wasm-heap-prefault.js';
import { storeBatchSource } from '../src/data/dataset-tf.js';
import { getArchitecture } from '../src/models/registry.js';
import { openStore } from '../src/store/open-store.js';
import { type TrainStep, trainStepFor } from '../src/train/train-step.js';
import { machineDescription, median } from './lib/machine.js';
import { markdownTable, writeMarkdownSection } from './lib/markdown-section.js';

interface Profile {
  arch: string;
  shape: number[];
  batch: number;
  readMs: number;
  stepMs: number;
  /** Every timed step, in order (the heap still grows over the first few). */
  stepsMs: number[];
  kernels: Array<{ name: string; ms: number }>;
  /** The adapter's forward and kernel-gradient products timed alone, when the head has a shared adapter. */
  gemmMs?: number;
  gemmGflop?: number;
  /**
   * Wall ms per step of an unprofiled loop as `trainHead` runs it (the next batches read ahead, `prefetch: 2`, so
   * reads overlap the steps and waits count), median of three rounds.
   */
  loopMs: number;
}

/** The adapter width of a head, or undefined when it has no shared adapter. */
function adapterWidth(model: tf.LayersModel): number | undefined {
  const layer = model.layers.find((l) => l.getClassName() === 'AdapterPooler');
  const config = layer?.getConfig() as { adapterDim?: number; sharedWeights?: boolean } | undefined;
  return config?.sharedWeights ? config.adapterDim : undefined;
}

/** Median ms of the adapter's two products alone: `[n·L, E]·[E, A]` and `[E, n·L]·[n·L, A]`. */
function timeAdapterProducts(shape: number[], A: number): { ms: number; gflop: number } {
  const [b, s, e, l] = shape as [number, number, number, number];
  const rows = b * s * l;
  const x = tf.randomNormal([rows, e]);
  const xt = tf.randomNormal([e, rows]);
  const w = tf.randomNormal([e, A]);
  const dy = tf.randomNormal([rows, A]);
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    tf.dispose([tf.matMul(x, w), tf.matMul(xt, dy)]);
    if (i > 0) times.push(performance.now() - t0);
  }
  tf.dispose([x, xt, w, dy]);
  return { ms: median(times), gflop: (2 * 2 * rows * e * A) / 1e9 };
}

/** Wall ms per step of `steps` unprofiled steps (the first batch's read excluded), epochs repeated as needed. */
async function timeLoop(step: TrainStep, source: ReturnType<typeof storeBatchSource>, steps: number): Promise<number> {
  let epoch = 0;
  let iterator = source.batches(epoch)[Symbol.asyncIterator]();
  let t0 = 0;
  for (let done = 0; done <= steps; done++) {
    let next = await iterator.next();
    if (next.done) {
      iterator = source.batches(++epoch)[Symbol.asyncIterator]();
      next = await iterator.next();
      if (next.done) break;
    }
    if (done === 0) t0 = performance.now();
    await step(next.value.xs, next.value.ys);
    tf.dispose([next.value.xs, next.value.ys] as tf.TensorContainer);
  }
  await iterator.return?.();
  return (performance.now() - t0) / steps;
}

async function profileHead(path: string, arch: string, batchSize: number | undefined, steps: number): Promise<Profile> {
  const store = await openStore(path);
  const info = getArchitecture(arch);
  const inputShape = store.tensors[store.activations]!.shape.slice(1) as [number, number, number];
  const batch = batchSize ?? (info.task === 'binary' ? 64 : 8);
  const model = info.build({ inputShape });
  prefaultTrainingHeap(model, batch); // as trainHead does
  const trainStep = trainStepFor(model); // as fit does: the fused span-head step where it applies
  const sourceWith = (prefetch: number) =>
    storeBatchSource(store, {
      batchSize: batch,
      labels: info.task,
      shuffle: { seed: 0 },
      prefetch,
      oneHot: true,
      spanOneHot: true,
    });
  const source = sourceWith(0);
  const read: number[] = [];
  const step: number[] = [];
  const kernels = new Map<string, number[]>();
  // a small store is read for as many epochs as the steps need
  let epoch = 0;
  let iterator = source.batches(epoch)[Symbol.asyncIterator]();
  for (let done = 0; done <= steps; done++) {
    const t0 = performance.now();
    let next = await iterator.next();
    if (next.done) {
      iterator = source.batches(++epoch)[Symbol.asyncIterator]();
      next = await iterator.next();
      if (next.done) break;
    }
    const t1 = performance.now();
    const profile = await tf.profile(async () => {
      await trainStep(next.value.xs, next.value.ys);
    });
    const t2 = performance.now();
    tf.dispose([next.value.xs, next.value.ys] as tf.TensorContainer);
    if (done === 0) continue; // warm-up
    read.push(t1 - t0);
    step.push(t2 - t1);
    const perStep = new Map<string, number>();
    for (const k of profile.kernels) {
      const key = `${k.name} ${k.inputShapes.map((s) => `[${s?.join(',')}]`).join('')}`;
      perStep.set(key, (perStep.get(key) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0));
    }
    for (const [key, ms] of perStep) kernels.set(key, [...(kernels.get(key) ?? []), ms]);
  }
  await iterator.return?.();
  // the loop and the products alone take turns, so that both see the same machine (this VM's GEMM rate moves by
  // 30 % within minutes)
  const A = adapterWidth(model);
  const shape = [batch, ...inputShape];
  const loopRounds: number[] = [];
  const gemmRounds: number[] = [];
  let gemmGflop: number | undefined;
  for (let round = 0; round < 3; round++) {
    loopRounds.push(await timeLoop(trainStep, sourceWith(2), steps * 2));
    if (A === undefined) continue;
    const gemm = timeAdapterProducts(shape, A);
    gemmRounds.push(gemm.ms);
    gemmGflop = gemm.gflop;
  }
  model.dispose();
  await store.close();
  const result: Profile = {
    arch,
    shape,
    batch,
    readMs: median(read),
    stepMs: median(step),
    stepsMs: step,
    kernels: [...kernels.entries()].map(([name, ms]) => ({ name, ms: median(ms) })).sort((a, b) => b.ms - a.ms),
    loopMs: median(loopRounds),
  };
  if (gemmGflop !== undefined) {
    result.gemmMs = median(gemmRounds);
    result.gemmGflop = gemmGflop;
  }
  return result;
}

/** Custom-gradient scopes (`tf.customGrad`'s forward function, `unnamed scope`): their time includes their kernels'. */
const NESTED = ['unnamed scope', 'forward '];
const isNested = (name: string): boolean => NESTED.some((prefix) => name.startsWith(prefix));

function topKernels(p: Profile, count: number): string {
  return p.kernels
    .filter((k) => !isNested(k.name))
    .slice(0, count)
    .map((k) => `${k.name.split(' ')[0]} ${k.ms.toFixed(1)}`)
    .join('; ');
}

/** The products' rate over a step of `stepMs` against their rate alone: "57 of 92 GFLOP/s (62 %)". */
function gemmShare(p: Profile, stepMs: number): string {
  if (p.gemmMs === undefined || p.gemmGflop === undefined) return '–';
  const alone = p.gemmGflop / (p.gemmMs / 1000);
  const inStep = p.gemmGflop / (stepMs / 1000);
  return `${inStep.toFixed(0)} of ${alone.toFixed(0)} GFLOP/s (${((100 * inStep) / alone).toFixed(0)} %)`;
}

const args = process.argv.slice(2);
const choice = await initBackend();
if (args.includes('--matmul')) setMatMulPrecision(args[args.indexOf('--matmul') + 1] === 'bf16' ? 'bf16' : 'fp32');
if (args[0] === '--write') {
  const rows: Array<Array<string | number>> = [];
  for (const spec of args.slice(1).filter((a, i, all) => a !== '--matmul' && all[i - 1] !== '--matmul')) {
    const [path, arch, batch] = spec.split(':') as [string, string, string | undefined];
    const p = await profileHead(path, arch, batch ? Number(batch) : undefined, 6);
    const stepTotal = p.readMs + p.stepMs;
    rows.push([
      p.arch,
      `[${p.shape.join(',')}]`,
      p.readMs.toFixed(1),
      p.stepMs.toFixed(1),
      ((p.batch * 1000) / stepTotal).toPrecision(3),
      topKernels(p, 5),
      gemmShare(p, stepTotal),
      p.loopMs.toFixed(1),
      ((p.batch * 1000) / p.loopMs).toPrecision(3),
      gemmShare(p, p.loopMs),
    ]);
    console.log(rows.at(-1)!.join('\t'));
  }
  const section = [
    '## Where a training step goes (`bench/profile-step.ts`)',
    '',
    `Machine: ${machineDescription()}, backend ${choice.backend}. ${new Date().toISOString().slice(0, 10)}.`,
    'One step as `bertvision train` runs it, median of 6 after a warm-up: the read (file → tensor, float16 decoded',
    'into the backend) and the step `fit` takes (`trainStepFor`: one fused op for the `adapter-<A>` span heads,',
    '`trainOnBatch` otherwise), with its five costliest kernels by `tf.profile` (ms). For the adapter heads,',
    "the last column compares the adapter's two matrix products per step (forward and kernel gradient) over the whole",
    'step against the same products alone on the same kernel: the share of the GEMM limit the step reaches. The loop',
    'columns time 12 unprofiled steps as `trainHead` runs them (the next two batches read ahead while a step runs, so',
    'reads overlap compute and only waits count; median of 3 rounds), and the share of the GEMM limit over them.',
    '',
    markdownTable(
      [
        'head',
        'batch shape',
        'read ms',
        'step ms',
        'ex/s',
        'costliest kernels (ms)',
        'GEMM share',
        'loop ms/step',
        'loop ex/s',
        'loop GEMM share',
      ],
      rows,
    ),
  ].join('\n');
  await writeMarkdownSection(fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url)), 'step-profile', section);
} else {
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const batch = flag('--batch');
  const p = await profileHead(
    args[0]!,
    flag('--arch') ?? 'learned-pooling',
    batch ? Number(batch) : undefined,
    Number(flag('--steps') ?? 6),
  );
  console.log(`${p.arch} [${p.shape.join(',')}] on ${choice.backend}`);
  console.log(`${p.readMs.toFixed(2).padStart(9)} ms  read (file → tensor)`);
  console.log(
    `${p.stepMs.toFixed(2).padStart(9)} ms  training step (median; steps: ${p.stepsMs.map((ms) => ms.toFixed(0)).join(', ')})`,
  );
  for (const k of p.kernels.filter((k) => k.ms >= 0.05))
    console.log(
      `${k.ms.toFixed(2).padStart(9)} ms    ${k.name}${isNested(k.name) ? '  (nested: includes kernels below)' : ''}`,
    );
  console.log(`${p.loopMs.toFixed(2).padStart(9)} ms  a step of the unprofiled loop (reads ahead, as trainHead)`);
  if (p.gemmMs !== undefined) {
    console.log(`GEMM share, profiled step + read: ${gemmShare(p, p.readMs + p.stepMs)}`);
    console.log(`GEMM share, loop: ${gemmShare(p, p.loopMs)}`);
  }
}
