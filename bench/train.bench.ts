/**
 * Training throughput of the seed's heads in bertvision (wasm and cpu backends) against Keras (tf_keras on TF CPU,
 * as the seed's authors ran them) and PyTorch CPU on the same model, batch size and synthetic data, in the same run;
 * plus the layer mix's effective bandwidth against this machine's measured memory bandwidth.
 * Writes the `training` section of docs/benchmarks.md.
 *
 * On wasm, rows are given with bertvision's native kernels (the default where they are built: large matrix products
 * on the AVX2/FMA kernel, every core) and without them (tfjs' own XNNPACK kernel, one core).
 *
 * Run: npx tsx bench/train.bench.ts [--quick] [--only <model id>]   (--only: time one model, leave the docs alone)
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '../src/backend/node-candidates.js';
import { initBackend, type BackendName } from '../src/backend/choose.js';
import { installNativeMatMul } from '../src/backend/kernels/native-matmul.js';
import { nativeKernelStatus } from '../src/platform/native.js';
import { BertConcat } from '../src/layers/index.js';
import { buildBinaryAdapter, buildSpanAdapter } from '../src/models/index.js';
import { machineDescription, median } from './lib/machine.js';
import { markdownTable, writeMarkdownSection } from './lib/markdown-section.js';

const quick = process.argv.includes('--quick');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : undefined;
const root = fileURLToPath(new URL('..', import.meta.url));

interface Case {
  id: 'binary-tenney-small' | 'span-learned-pooling' | 'span-adapter-386';
  batch: number;
  steps: number;
  warmup: number;
  backends: Variant[];
}

/** A backend, and for wasm whether bertvision's native matMul kernel is on. */
type Variant = BackendName | 'wasm + native';

const CASES: Case[] = [
  {
    id: 'binary-tenney-small',
    batch: 64,
    steps: quick ? 10 : 40,
    warmup: 3,
    backends: ['wasm + native', 'wasm', 'cpu'],
  },
  { id: 'span-learned-pooling', batch: 8, steps: quick ? 2 : 5, warmup: 1, backends: ['wasm + native', 'wasm', 'cpu'] },
  { id: 'span-adapter-386', batch: 4, steps: quick ? 1 : 3, warmup: 1, backends: ['wasm + native', 'wasm'] },
].filter((c) => only === undefined || c.id === only) as Case[];
const nativeOn = nativeKernelStatus().capabilities?.avx2Fma === true;
if (!nativeOn)
  console.warn(
    `native kernels unavailable (${nativeKernelStatus().reason ?? 'no AVX2/FMA'}): 'wasm + native' rows are skipped`,
  );

/** Selects the backend of `variant` and switches the native matMul on or off. */
async function useVariant(variant: Variant): Promise<void> {
  await initBackend({ backend: variant === 'wasm + native' ? 'wasm' : variant });
  if (variant.startsWith('wasm') && nativeOn)
    installNativeMatMul({ minMultiplyAdds: variant === 'wasm + native' ? 2 ** 20 : Infinity });
}

function buildCase(id: Case['id']): tf.LayersModel {
  if (id === 'binary-tenney-small') return buildBinaryAdapter('tenney-small');
  return buildSpanAdapter(id === 'span-learned-pooling' ? 'learned-pooling' : 'adapter-386');
}

/** Distinct synthetic batches, made before timing (standard normal-ish values from a cheap LCG). */
function syntheticBatches(model: tf.LayersModel, batch: number, count: number): Float32Array[] {
  const perExample = (model.inputs[0]!.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  let s = 12345;
  return Array.from({ length: count }, () => {
    const x = new Float32Array(batch * perExample);
    for (let i = 0; i < x.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      x[i] = s / 2147483648 - 1;
    }
    return x;
  });
}

/** Examples/s with 3 significant digits (0.412, 19.3, 6320). */
function rate(value: number): string {
  return value >= 100 ? String(Math.round(value)) : value.toPrecision(3);
}

function oneHot(batch: number, width: number, offset: number): tf.Tensor2D {
  const y = new Float32Array(batch * width);
  for (let b = 0; b < batch; b++) y[b * width + ((b * 7 + offset) % width)] = 1;
  return tf.tensor2d(y, [batch, width]);
}

async function timeTfjs(c: Case, variant: Variant): Promise<number[]> {
  await useVariant(variant);
  const model = buildCase(c.id);
  const inputShape = [c.batch, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const pool = syntheticBatches(model, c.batch, 2);
  const times: number[] = [];
  for (let i = 0; i < c.warmup + c.steps; i++) {
    const t0 = performance.now();
    const x = tf.tensor(pool[i % pool.length]!, inputShape); // upload counted: real training uploads every batch
    const ys =
      model.outputs.length === 2
        ? [oneHot(c.batch, inputShape[1]!, 1), oneHot(c.batch, inputShape[1]!, 5)]
        : oneHot(c.batch, 2, 0);
    await model.trainOnBatch(x, ys);
    tf.dispose([x, ys] as tf.TensorContainer);
    if (i >= c.warmup) times.push(performance.now() - t0);
  }
  model.dispose();
  return times;
}

function python(): string | null {
  const venv = `${root}.venv/bin/python`;
  return process.env.BERTVISION_PYTHON ?? (existsSync(venv) ? venv : null);
}

function timePython(c: Case, framework: 'keras' | 'torch', threads: number): { ms: number } | { error: string } {
  const py = python();
  if (!py) return { error: 'no Python venv (.venv) with tf_keras/torch' };
  try {
    const out = execFileSync(
      py,
      [
        `${root}bench/python/train_baselines.py`,
        '--framework',
        framework,
        '--model',
        c.id,
        '--batch',
        String(c.batch),
        '--steps',
        String(c.steps),
        '--warmup',
        String(c.warmup),
        '--threads',
        String(threads),
      ],
      { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { step_ms_median: number };
    return { ms: result.step_ms_median };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0]! };
  }
}

/** Single-thread read bandwidth: memchr over a large buffer that does not contain the byte searched for. */
function readBandwidthGBs(): number {
  const buf = Buffer.alloc(512 * 2 ** 20, 2); // filled: untouched pages would all map to one zero page
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    buf.indexOf(1);
    runs.push(buf.byteLength / ((performance.now() - t0) / 1000) / 1e9);
  }
  return Math.max(...runs);
}

async function mixGBs(variant: Variant): Promise<number> {
  await useVariant(variant);
  const shape = [8, 386, 1024, 25];
  const layer = new BertConcat({});
  const x = tf.tensor(syntheticBatches(buildSpanAdapter('learned-pooling', { compile: false }), 8, 1)[0]!, shape);
  const runs: number[] = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const y = layer.apply(x) as tf.Tensor;
    await y.data();
    y.dispose();
    if (i > 0) runs.push(performance.now() - t0);
  }
  x.dispose();
  return (8 * 386 * 1024 * 25 * 4) / (median(runs) / 1000) / 1e9;
}

const rows: Array<Array<string | number>> = [];
for (const c of CASES) {
  const keras = timePython(c, 'keras', 2);
  const keras1 = timePython(c, 'keras', 1);
  const torch = timePython(c, 'torch', 2);
  const ms = (r: { ms: number } | { error: string }): number | null => ('ms' in r ? r.ms : null);
  const exs = (v: number | null): string => (v === null ? 'n/a' : rate((c.batch * 1000) / v));
  for (const backend of c.backends.filter((v) => nativeOn || v !== 'wasm + native')) {
    const tfjsMs = median(await timeTfjs(c, backend));
    const ratio = (other: number | null): string => (other === null ? 'n/a' : `${(other / tfjsMs).toFixed(2)}×`);
    rows.push([
      c.id,
      c.batch,
      backend,
      rate((c.batch * 1000) / tfjsMs),
      exs(ms(keras)),
      ratio(ms(keras)),
      exs(ms(keras1)),
      ratio(ms(keras1)),
      exs(ms(torch)),
      ratio(ms(torch)),
    ]);
    console.log(rows.at(-1)!.join('\t'));
  }
  for (const r of [keras, keras1, torch]) if ('error' in r) console.warn(`${c.id}: baseline failed: ${r.error}`);
}

if (only !== undefined) process.exit(0);
const bandwidth = readBandwidthGBs();
const mixRows: Array<Array<string | number>> = [];
for (const backend of (nativeOn ? ['wasm + native', 'wasm', 'cpu'] : ['wasm', 'cpu']) as Variant[]) {
  const gbs = await mixGBs(backend);
  mixRows.push([backend, gbs.toFixed(2), bandwidth.toFixed(1), `${((100 * gbs) / bandwidth).toFixed(1)} %`]);
}

const section = [
  '## Training throughput',
  '',
  `Machine: ${machineDescription()}. ${new Date().toISOString().slice(0, 10)}${quick ? ' (quick run)' : ''}.`,
  'Examples/s of `trainOnBatch` on the seed heads at their full sizes (binary `[1,1024,26]`, span `[386,1024,25]`),',
  'a freshly uploaded batch every step, median over the timed steps. Ratios are bertvision ÷ baseline (> 1 = faster).',
  'Keras = tf_keras on TensorFlow CPU (2 threads, and 1 thread for a per-core comparison); PyTorch CPU with 2 threads.',
  'The wasm backend runs on one core in Node (tfjs disables its threads there); "wasm + native" sends its matrix',
  "products of at least 2^20 multiply-adds (the layer mix's matrix × vector products included) and the tanh-GELU to",
  "bertvision's native AVX2/FMA kernels on every core (`native/`).",
  '',
  markdownTable(
    [
      'model',
      'batch',
      'backend',
      'bertvision ex/s',
      'Keras ex/s',
      'vs Keras',
      'Keras 1-thread ex/s',
      'vs Keras 1-thread',
      'PyTorch ex/s',
      'vs PyTorch',
    ],
    rows,
  ),
  '',
  '### Layer mix bandwidth',
  '',
  'BertConcat forward on a `[8,386,1024,25]` float32 batch: bytes of activations read per second, against this',
  "machine's single-thread read bandwidth (memchr over 512 MiB) measured in the same run; one read of the input is",
  'the floor.',
  '',
  markdownTable(['backend', 'mix GB/s', 'read bandwidth GB/s', 'share of bandwidth'], mixRows),
].join('\n');
await writeMarkdownSection(`${root}docs/benchmarks.md`, 'training', section);
console.log(section);
