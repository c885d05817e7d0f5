/**
 * The whole job a user runs, end to end: float16 HDF5 activations on disk → one shuffled training epoch → the trained
 * head written, by `bertvision train` (the CLI, default backend) against the same head, optimizer, batch and epoch in
 * PyTorch + h5py (DataLoader with 0 and with 1 workers) and, for binary heads, tf_keras `fit` over tf.data; every
 * side a whole process, alternating in rounds. Every seed head at MiniLM and BERT-large sizes; the Python sides'
 * parameter counts are checked against the CLI's. Writes the `e2e` section of docs/benchmarks.md (full runs only)
 * and every finished row to .tmp/e2e-bench.json (so `--resume` continues an interrupted run).
 *
 * Run: npm run bench:e2e -- [--quick] [--only NAME[,NAME]] [--sizes minilm,large] [--repeats K] [--no-write]
 *        [--resume] [--write-only] [--n-span-minilm N] [--n-span-large N] [--n-binary N] [--stores DIR]
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ARCHITECTURE_NAMES, architectures, getArchitecture } from '../src/models/registry.js';
import {
  cliParameterCounts,
  makeStores,
  type ProcessResult,
  root,
  runVariant,
  type Variant,
} from './lib/e2e-processes.js';
import { machineDescription, median } from './lib/machine.js';
import { markdownTable, writeMarkdownSection } from './lib/markdown-section.js';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
function option(name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i >= 0 && argv[i + 1] === undefined) throw new Error(`${name} needs a value`);
  return i >= 0 ? argv[i + 1] : undefined;
}
const quick = flag('--quick');
const only = option('--only')?.split(',');
const sizes = (option('--sizes') ?? (quick ? 'minilm' : 'minilm,large')).split(',') as Size[];
const repeats = Number(option('--repeats') ?? (quick ? 1 : 2));
// --write-only: no runs, the table of the rows in .tmp/e2e-bench.json (runs made in parts, e.g. with --only)
const writeOnly = flag('--write-only');
const write = writeOnly || (!flag('--no-write') && !quick && only === undefined);
const resume = flag('--resume');
const storeDir = option('--stores') ?? join(root, '.tmp/e2e-stores');
const jsonPath = join(root, '.tmp/e2e-bench.json');
const QUICK_HEADS = ['tenney-small', 'adapter-pooler-tenney', 'learned-pooling', 'adapter-64', 'adapter-386'];

type Size = 'minilm' | 'large';
const SHAPES: Record<Size, { span: number[]; binary: number[] }> = {
  minilm: { span: [384, 384, 7], binary: [1, 384, 7] },
  large: { span: [386, 1024, 25], binary: [1, 1024, 26] },
};
const counts: Record<string, number> = {
  'span-minilm': Number(option('--n-span-minilm') ?? 384),
  'span-large': Number(option('--n-span-large') ?? 48),
  'binary-minilm': Number(option('--n-binary') ?? 4096),
  'binary-large': Number(option('--n-binary') ?? 4096),
};
for (const s of sizes) if (!(s in SHAPES)) throw new Error(`--sizes: unknown size '${s}' (minilm, large)`);
if (!(repeats >= 1)) throw new Error('--repeats must be at least 1');

const heads = (only ?? (quick ? QUICK_HEADS : [...ARCHITECTURE_NAMES])).filter((h) => {
  if (!Object.hasOwn(architectures, h)) throw new Error(`unknown head '${h}'`);
  return true;
});

/** One (head, size) row: the median of each side's process seconds, and what the sides reported. */
interface Row {
  head: string;
  size: Size;
  task: 'binary' | 'span';
  examples: number;
  batch: number;
  parameters: number;
  backend: string;
  seconds: Partial<Record<Variant, number[]>>;
  loopRates: Partial<Record<Variant, number[]>>;
  /** Sides whose process failed (first line: its last words); the other sides still run. */
  failed?: Partial<Record<Variant, string>>;
  /** A failure of the whole row: a Python side's parameter count differs from the CLI's. */
  error?: string;
}

// every row of earlier runs is kept in the JSON (a run replaces its own rows); --resume also skips those done
const saved: Row[] = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as Row[]) : [];
const rows: Row[] = [...saved];
function persist(): void {
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(rows, null, 1)}\n`);
}

const plan = sizes.flatMap((size) => heads.map((head) => ({ head, size, task: getArchitecture(head).task })));
const storeNames = [...new Set(plan.map((p) => `${p.task}-${p.size}`))];
console.log(`e2e: ${plan.length} rows, ${repeats} round(s); stores in ${storeDir} (${storeNames.join(', ')})`);
const stores = writeOnly ? {} : makeStores(storeDir, storeNames, counts);
const cliCounts = new Map<string, Map<string, number>>();
for (const size of sizes)
  for (const task of ['binary', 'span'] as const)
    if (storeNames.includes(`${task}-${size}`))
      cliCounts.set(`${task}-${size}`, cliParameterCounts(SHAPES[size][task]));

/** Reads `path` once, so every side finds it in the page cache (the first process would otherwise pay the disk). */
function warmPageCache(path: string): void {
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(16 << 20);
  try {
    while (readSync(fd, buffer, 0, buffer.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

let failures = 0;
let warmedUp = false;
for (const { head, size, task } of writeOnly ? [] : plan) {
  const examples = counts[`${task}-${size}`]!;
  if (
    resume &&
    saved.some(
      (r) =>
        r.head === head &&
        r.size === size &&
        r.examples === examples &&
        r.error === undefined &&
        r.failed === undefined,
    )
  ) {
    console.log(`${head} @ ${size}: kept from ${jsonPath}`);
    continue;
  }
  const batch = task === 'binary' ? 64 : 8;
  const parameters = cliCounts.get(`${task}-${size}`)!.get(head)!;
  const row: Row = { head, size, task, examples, batch, parameters, backend: '?', seconds: {}, loopRates: {} };
  const variants: Variant[] = ['bertvision', 'torch-w0', 'torch-w1', ...(task === 'binary' ? ['keras' as const] : [])];
  warmPageCache(stores[`${task}-${size}`]!);
  if (!warmedUp) {
    // one untimed run of every side first: the first python/node start of a run reads its libraries from disk
    for (const v of variants) {
      try {
        runVariant(v, stores[`${task}-${size}`]!, head, batch);
      } catch {
        // reported when the timed rounds run it
      }
    }
    warmedUp = true;
  }
  for (let round = 0; round < repeats && row.error === undefined; round++) {
    // alternate: each round starts one side later, so no side always runs first (cold caches) or last
    const order = variants.map((_v, i) => variants[(i + round) % variants.length]!);
    for (const v of order) {
      if (row.failed?.[v] !== undefined) continue; // a side that failed once is not retried
      let r: ProcessResult;
      try {
        r = runVariant(v, stores[`${task}-${size}`]!, head, batch);
      } catch (error) {
        (row.failed ??= {})[v] = (error as Error).message;
        console.error(`  FAILED ${head} @ ${size} ${v}: ${(error as Error).message}`);
        continue;
      }
      if (r.parameters !== null && r.parameters !== parameters) {
        row.error = `${v} builds ${r.parameters} parameters, bertvision ${parameters}: not the same head`;
        console.error(`FAILED ${head} @ ${size}: ${row.error}`);
        break;
      }
      if (r.backend !== null) row.backend = r.backend;
      (row.seconds[v] ??= []).push(r.seconds);
      if (r.loopRate !== null) (row.loopRates[v] ??= []).push(r.loopRate);
      console.log(`  ${head} @ ${size} round ${round + 1} ${v}: ${r.seconds.toFixed(1)} s`);
    }
  }
  if (row.error !== undefined || row.failed !== undefined) failures++;
  const i = rows.findIndex((r) => r.head === head && r.size === size);
  if (i >= 0) rows.splice(i, 1);
  rows.push(row);
  persist();
  console.log(summary(row));
}

/** Examples/s with 3 significant digits. */
function rate(value: number): string {
  return value >= 100 ? String(Math.round(value)) : value.toPrecision(3);
}
function med(row: Row, v: Variant): number | null {
  return row.seconds[v]?.length ? median(row.seconds[v]!) : null;
}
function cell(row: Row, v: Variant): string {
  const failed = row.failed?.[v];
  if (failed !== undefined) return `FAILED: ${failed.split('\n')[0]!.replaceAll('|', '/')}`;
  const s = med(row, v);
  return s === null ? '–' : `${s.toFixed(1)} s (${rate(row.examples / s)}/s)`;
}
function ratio(row: Row, v: Variant | 'best torch'): string {
  const bv = med(row, 'bertvision');
  const torch = [med(row, 'torch-w0'), med(row, 'torch-w1')].filter((x): x is number => x !== null);
  const other = v === 'best torch' ? (torch.length ? Math.min(...torch) : null) : med(row, v);
  return bv === null || other === null ? '–' : `${(other / bv).toFixed(2)}×`;
}
function loops(row: Row): string {
  const r = (v: Variant): string => (row.loopRates[v]?.length ? rate(median(row.loopRates[v]!)) : '–');
  const torch = Math.max(...(['torch-w0', 'torch-w1'] as const).map((v) => median(row.loopRates[v] ?? [0])));
  return `${r('bertvision')} / ${torch > 0 ? rate(torch) : '–'}${row.task === 'binary' ? ` / ${r('keras')}` : ''}`;
}
function summary(row: Row): string {
  if (row.error !== undefined) return `${row.head} @ ${row.size}: FAILED ${row.error}`;
  return `${row.head} @ ${row.size}: bertvision ${cell(row, 'bertvision')} [${row.backend}], torch w0 ${cell(row, 'torch-w0')}, w1 ${cell(row, 'torch-w1')}${row.task === 'binary' ? `, keras ${cell(row, 'keras')}` : ''} → ${ratio(row, 'best torch')} vs best torch`;
}

// rows of earlier runs with another N count too (e.g. Xception timed on fewer examples): the N column says which
const planned = (r: Row): boolean => plan.some((p) => p.head === r.head && p.size === r.size);
const ordered = rows
  .filter(planned)
  .sort(
    (a, b) =>
      a.size.localeCompare(b.size) * -1 ||
      ARCHITECTURE_NAMES.indexOf(a.head as never) - ARCHITECTURE_NAMES.indexOf(b.head as never),
  );
const table = markdownTable(
  [
    'head',
    'size',
    'N',
    'rounds',
    'params',
    'backend',
    'bertvision',
    'torch w0',
    'torch w1',
    'keras fit',
    '× best torch',
    '× torch w0',
    '× torch w1',
    '× keras',
    'loop ex/s (bv / torch / keras)',
  ],
  ordered.map((row) =>
    row.error !== undefined
      ? [
          row.head,
          row.size,
          row.examples,
          0,
          row.parameters.toLocaleString('en-US'),
          row.backend,
          `FAILED: ${row.error}`,
        ]
      : [
          row.head,
          row.size,
          row.examples,
          Math.max(0, ...Object.values(row.seconds).map((t) => t.length)),
          row.parameters.toLocaleString('en-US'),
          row.backend,
          cell(row, 'bertvision'),
          cell(row, 'torch-w0'),
          cell(row, 'torch-w1'),
          cell(row, 'keras'),
          ratio(row, 'best torch'),
          ratio(row, 'torch-w0'),
          ratio(row, 'torch-w1'),
          ratio(row, 'keras'),
          loops(row),
        ],
  ),
);
console.log(`\n${table}`);
if (write) {
  const n = (size: Size): string =>
    `${size === 'minilm' ? 'MiniLM' : 'BERT-large'} span ${SHAPES[size].span.join('×')} N = ${counts[`span-${size}`]}, binary ${SHAPES[size].binary.join('×')} N = ${counts[`binary-${size}`]}`;
  const caption = [
    '### End to end: `bertvision train` against PyTorch + h5py and Keras, whole process against whole process',
    '',
    `${machineDescription()}, ${new Date().toISOString().slice(0, 10)}; ${sizes.map(n).join('; ')}; float16 HDF5 in h5py layout`,
    `(one example per chunk); the N column is each row's epoch (rows timed in a separate run may use fewer), one shuffled epoch, batch 64 (binary) / 8 (span), Adam lr 1e-3, the trained head saved.`,
    `The store is read once before each row (warm page cache, as the issue measures) and every side runs once untimed before the first row.`,
    `Each cell: the median over the row's alternating rounds (the rounds column) of the whole process' wall seconds (start to exit: imports,`,
    'reading, training, saving) and examples/s = N / seconds. bertvision: `node dist/cli/main.js train STORE --arch`',
    '`NAME --epochs 1 --json`, no `--backend` (backend: what it chose). torch w0 / w1: bench/python/e2e_torch.py, an h5py',
    '`Dataset` + `DataLoader(num_workers=0 / 1)`, same head (same parameter count, checked). keras fit: binary heads,',
    'bench/python/e2e_keras.py, tf_keras `fit` over tf.data (generator over h5py → batch → prefetch). × X = X seconds /',
    'bertvision seconds (> 1: bertvision faster); best torch = the faster of w0, w1. Loop ex/s: the rate each side reports',
    "of its own training loop (bertvision's last progress line; the scripts' timers), process start-up excluded.",
    'Run: `nice npm run bench:e2e` (`--resume` continues an interrupted run from .tmp/e2e-bench.json; every round of',
    'the table as measured: docs/e2e-bench.json, a copy of it).',
  ].join('\n');
  await writeMarkdownSection(join(root, 'docs/benchmarks.md'), 'e2e', `${caption}\n\n${table}`);
  console.log('wrote the e2e section of docs/benchmarks.md');
}
if (failures > 0) {
  console.error(`${failures} row(s) failed`);
  process.exitCode = 1;
}
