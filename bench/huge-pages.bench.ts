/**
 * Transparent huge pages for the wasm heap, on and off: `bertvision train` as users run it (no flags) on the e2e
 * benchmark's stores, with `BERTVISION_HUGE_PAGES=1` and `=0` alternating, K rounds. Reports the whole process' wall
 * seconds, its minor page faults and peak RSS (GNU time, when /usr/bin/time exists) and the training loop's rate, and
 * writes the `huge-pages` section of docs/benchmarks.md.
 *
 * Run: npx tsx bench/huge-pages.bench.ts [--repeats K] [--only ARCH[,ARCH]] [--no-write] [--stores DIR]
 * (`--only` runs some rows and does not write)
 * (the stores are made, or reused, by bench/python/e2e_make_stores.py, as bench/e2e.bench.ts makes them)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeStores, root } from './lib/e2e-processes.js';
import { machineDescription, median } from './lib/machine.js';
import { markdownTable, writeMarkdownSection } from './lib/markdown-section.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const repeats = Number(option('--repeats') ?? 3);
if (!(repeats >= 1)) throw new Error('--repeats must be at least 1');
const only = option('--only')?.split(',');
const write = !args.includes('--no-write') && only === undefined;
const storeDir = option('--stores') ?? join(root, '.tmp/e2e-stores');

/** The rows: heads whose heaps grow by hundreds of MB to GBs in their first steps. */
const ALL_ROWS = [
  { arch: 'xception', store: 'binary-minilm', batch: 64 },
  { arch: 'xception-abbreviated', store: 'binary-large', batch: 64 },
  { arch: 'adapter-386', store: 'span-large', batch: 8 },
  { arch: 'adapter-64', store: 'span-minilm', batch: 8 },
] as const;
const ROWS = ALL_ROWS.filter((row) => only === undefined || only.includes(row.arch));
const counts = { 'span-minilm': 384, 'span-large': 48, 'binary-minilm': 256, 'binary-large': 256 };

interface Run {
  seconds: number;
  minorFaults: number | null;
  peakRssMiB: number | null;
  /** CPU seconds in user space and in the kernel (page faults are kernel time), all threads. */
  userSeconds: number | null;
  systemSeconds: number | null;
  loopRate: number | null;
}

const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function trainOnce(store: string, arch: string, batch: number, hugePages: boolean): Run {
  const work = mkdtempSync(join(tmpdir(), 'bertvision-hp-'));
  try {
    const cli = [join(root, 'dist/cli/main.js'), 'train', store, '--arch', arch, '--out', join(work, 'run')];
    cli.push('--epochs', '1', '--batch-size', String(batch), '--json');
    const [cmd, argv] = gnuTime
      ? [gnuTime, ['-f', 'bench-time %R %M %U %S', process.execPath, ...cli]]
      : [process.execPath, cli];
    const t0 = performance.now();
    const r = spawnSync(cmd, argv, {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
      env: { ...process.env, BERTVISION_HUGE_PAGES: hugePages ? '1' : '0' },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`${arch}: exit ${r.status ?? r.signal}\n${r.stderr.slice(-2000)}`);
    const time = /bench-time (\d+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
    const rates = [...r.stderr.matchAll(/([\d.]+) ex\/s/g)].map((m) => Number(m[1]));
    return {
      seconds,
      minorFaults: time ? Number(time[1]) : null,
      peakRssMiB: time ? Number(time[2]) / 1024 : null,
      userSeconds: time ? Number(time[3]) : null,
      systemSeconds: time ? Number(time[4]) : null,
      loopRate: rates.at(-1) ?? null,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const thp = (() => {
  try {
    return readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').trim();
  } catch {
    return 'not available';
  }
})();
console.log(`huge pages: ${ROWS.length} rows, ${repeats} round(s); transparent_hugepage/enabled: ${thp}`);
const stores = makeStores(storeDir, [...new Set(ROWS.map((r) => r.store))], counts);

const fmt = (values: Array<number | null>, digits: number): string => {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? median(present).toFixed(digits) : '–';
};
/** `off / on` medians of one measure. */
const pair = (off: Run[], on: Run[], pick: (r: Run) => number | null, digits: number): string =>
  `${fmt(off.map(pick), digits)} / ${fmt(on.map(pick), digits)}`;
const table: Array<Array<string | number>> = [];
for (const row of ROWS) {
  const store = stores[row.store]!;
  trainOnce(store, row.arch, row.batch, true); // untimed: libraries and the store into the page cache
  const on: Run[] = [];
  const off: Run[] = [];
  for (let k = 0; k < repeats; k++) {
    // alternate which side goes first, so drift in the machine's speed falls on both
    for (const huge of k % 2 ? [false, true] : [true, false]) {
      (huge ? on : off).push(trainOnce(store, row.arch, row.batch, huge));
    }
  }
  const s = (runs: Run[]) => runs.map((r) => r.seconds);
  const line = [
    row.arch,
    `${row.store}-${counts[row.store]}`,
    row.batch,
    fmt(s(off), 2),
    fmt(s(on), 2),
    (median(s(off)) / median(s(on))).toFixed(2),
    pair(off, on, (r) => r.minorFaults, 0),
    pair(off, on, (r) => r.systemSeconds, 2),
    pair(off, on, (r) => r.userSeconds, 2),
    pair(off, on, (r) => r.peakRssMiB, 0),
    pair(off, on, (r) => r.loopRate, 1),
  ];
  console.log(line.join('  '), ` (off: ${s(off).map((x) => x.toFixed(2))}; on: ${s(on).map((x) => x.toFixed(2))})`);
  table.push(line);
}

const markdown = markdownTable(
  [
    'head',
    'store',
    'batch',
    'off s',
    'on s',
    '× (off / on)',
    'minor faults off / on',
    'system CPU s off / on',
    'user CPU s off / on',
    'peak RSS MiB off / on',
    'loop ex/s off / on',
  ],
  table,
);
console.log(`\n${markdown}`);
if (write) {
  const caption = [
    '### Huge pages for the wasm heap',
    '',
    `bench/huge-pages.bench.ts; ${machineDescription()}, ${new Date().toISOString().slice(0, 10)}; transparent_hugepage/enabled: \`${thp}\`.`,
    '`node dist/cli/main.js train STORE --arch NAME --epochs 1 --batch-size B --json` (no `--backend`: wasm with the',
    'native kernels), with `BERTVISION_HUGE_PAGES=0` (off) and `=1` (on) alternating; medians over',
    `${repeats} round(s) of each, after one untimed run per row. Seconds: the whole process (start to exit). Minor`,
    'faults, CPU seconds (all threads; system = in the kernel, where page faults are served) and peak RSS: GNU time.',
    "The stores are the e2e benchmark's (bench/python/e2e_make_stores.py).",
  ].join('\n');
  await writeMarkdownSection(join(root, 'docs/benchmarks.md'), 'huge-pages', `${caption}\n\n${markdown}`);
  console.log('wrote the huge-pages section of docs/benchmarks.md');
}
