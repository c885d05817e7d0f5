/**
 * Read throughput of float16 activation stores into float32 batches (bertvision `openStore().read`) against,
 * in the same run: a raw sequential read of the same file (fs, 16 MiB reads into a reused buffer) and h5py
 * reading the same examples. bertvision is timed with its native kernels (memory-mapped reads, F16C decoding on
 * every core; the default where they are built) and without them (`native: false`: fs reads and the WebAssembly
 * SIMD or lookup-table decoder). Throughput is GB/s of stored (float16) bytes, warm page cache, median of the
 * repeats. Also: peak RSS reading a store 10× larger than another (separate processes; ratio target ≤ 1.1).
 * Writes the `io-read` section of docs/benchmarks.md.
 *
 * Run: npx tsx bench/io-read.bench.ts [--quick]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeKernelStatus, openStore, type ActivationStore } from '../src/index.node.js';
import { machineDescription, median } from './lib/machine.js';
import { markdownTable, writeMarkdownSection } from './lib/markdown-section.js';

const quick = process.argv.includes('--quick');
const root = fileURLToPath(new URL('..', import.meta.url));
const python = join(root, '.venv', 'bin', 'python');
// MiniLM-sized span examples: 384 tokens × 384 hidden × 7 channels, float16 = 2.06 MB each.
const [S, H, L] = [384, 384, 7];
const N = quick ? 64 : 256;
const B = 8;
const REPEATS = quick ? 3 : 5;

const dir = mkdtempSync(join(tmpdir(), 'bv-io-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Seconds to read the whole file sequentially in 16 MiB pieces into one reused buffer. */
function rawRead(path: string): number {
  const buffer = Buffer.allocUnsafe(16 << 20);
  const fd = openSync(path, 'r');
  const t = performance.now();
  let position = 0;
  for (let n = 1; n > 0; position += n) n = readSync(fd, buffer, 0, buffer.length, position);
  const seconds = (performance.now() - t) / 1000;
  closeSync(fd);
  return seconds;
}

/** Seconds for one pass over examples [0, N) in batches of B into a reused float32 buffer. */
async function storePass(store: ActivationStore, order: 'sequential' | 'shuffled', out: Float32Array): Promise<number> {
  const batches = Array.from({ length: Math.floor(store.numExamples / B) }, (_, i) => i);
  if (order === 'shuffled') batches.sort((a, b) => ((a * 2654435761) % 1009) - ((b * 2654435761) % 1009));
  const t = performance.now();
  for (const i of batches) await store.read(store.activations, i * B, B, out);
  return (performance.now() - t) / 1000;
}

const gbps = (bytes: number, seconds: number): number => bytes / seconds / 1e9;
const nativeOn = nativeKernelStatus().loaded;
if (!nativeOn) console.warn(`native kernels not in use (${nativeKernelStatus().reason}): their rows are skipped`);
const fmt = (x: number): string => x.toFixed(2);

console.log(`writing float16 stores [${N}, ${S}, ${H}, ${L}] to ${dir} …`);
execFileSync(python, [join(root, 'bench', 'io_make_stores.py'), dir, String(N), String(S), String(H), String(L)], {
  stdio: 'inherit',
});
const storedBytes = N * S * H * L * 2;
const rows: (string | number)[][] = [];
const ratios: Record<string, number> = {};

for (const [label, file] of [
  ['safetensors', 'big.safetensors'],
  ['HDF5 (chunk = 1 example)', 'big.h5'],
] as const) {
  const path = join(dir, file);
  rawRead(path); // warm the page cache
  const out = new Float32Array(B * S * H * L);
  const raw: number[] = [];
  const contenders = [
    ...(nativeOn
      ? [{ reader: 'bertvision read → float32, native kernels (mmap + F16C, every core)', options: {} }]
      : []),
    ...(nativeOn
      ? [
          {
            reader: 'bertvision read → float32, native kernels, batches in shuffled order',
            options: {},
            order: 'shuffled' as const,
          },
        ]
      : []),
    { reader: 'bertvision read → float32, native off (fs + WebAssembly SIMD decode)', options: { native: false } },
    {
      reader: 'bertvision read → float32, native off (fs + lookup-table decode)',
      options: { native: false, simd: false },
    },
  ];
  const stores = await Promise.all(contenders.map((c) => openStore(path, c.options)));
  const speeds = contenders.map((): number[] => []);
  for (const store of stores) await storePass(store, 'sequential', out); // warm-up: lets V8 tier up the decoders
  for (let r = 0; r < REPEATS; r++) {
    // interleave the contenders so background load on the shared VM hits them alike
    raw.push(gbps(statSync(path).size, rawRead(path)));
    for (const [i, c] of contenders.entries())
      speeds[i]!.push(gbps(storedBytes, await storePass(stores[i]!, c.order ?? 'sequential', out)));
  }
  await Promise.all(stores.map((store) => store.close()));
  const rawMedian = median(raw);
  rows.push([label, 'raw sequential read of the file (baseline)', fmt(rawMedian), '1.00×']);
  for (const [i, c] of contenders.entries())
    rows.push([label, c.reader, fmt(median(speeds[i]!)), `${fmt(median(speeds[i]!) / rawMedian)}×`]);
  ratios[label] = median(speeds[0]!) / rawMedian;
  const bertvisionSpeed = median(speeds[0]!);
  if (file === 'big.h5') {
    const h5py = JSON.parse(
      execFileSync(python, [join(root, 'bench', 'io_h5py_read.py'), path, String(B), String(REPEATS)], {
        encoding: 'utf8',
      }),
    ) as {
      slice: number[];
      direct_f32: number[];
    };
    const slice = gbps(storedBytes, median(h5py.slice));
    const direct = gbps(storedBytes, median(h5py.direct_f32));
    rows.push([label, 'h5py `ds[i:i+B]` (float16 arrays)', fmt(slice), `${fmt(slice / rawMedian)}×`]);
    rows.push([
      label,
      'h5py `read_direct` + copy → float32 (same result as bertvision)',
      fmt(direct),
      `${fmt(direct / rawMedian)}×`,
    ]);
    ratios['vs h5py'] = bertvisionSpeed / direct;
    ratios['vs h5py raw'] = bertvisionSpeed / slice;
  }
}

interface RssReport {
  readPeakRss: number;
  maxRss: number;
}
// cost of delivering the torch layout [N, L, S, E] layers-last: same file, as stored vs transposed per read
{
  const path = join(dir, 'torch.h5');
  const asStored = await openStore(path, { activations: 'embeds', layerAxis: 1 });
  const transposed = await openStore(path, { activations: 'embeds', layerAxis: 1, deliver: 'layers-last' });
  const bytes = Math.floor(asStored.numExamples / B) * B * S * H * L * 4;
  const out = new Float32Array(B * S * H * L);
  const stored: number[] = [];
  const moved: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    stored.push(gbps(bytes, await storePass(asStored, 'sequential', out)));
    moved.push(gbps(bytes, await storePass(transposed, 'sequential', out)));
  }
  await asStored.close();
  await transposed.close();
  rows.push([
    'HDF5 torch layout `[N, L, S, E]` float32',
    'bertvision read, as stored (`layerAxis: 1`)',
    fmt(median(stored)),
    '',
  ]);
  rows.push([
    'HDF5 torch layout `[N, L, S, E]` float32',
    "bertvision read, delivered layers-last (`deliver: 'layers-last'`)",
    fmt(median(moved)),
    `${fmt(median(moved) / median(stored))}× of as stored`,
  ]);
}

const rss = (file: string, native: boolean): RssReport =>
  JSON.parse(
    execFileSync('npx', ['tsx', join(root, 'bench', 'io-rss.ts'), join(dir, file), String(B)], {
      encoding: 'utf8',
      cwd: root,
      env: { ...process.env, BERTVISION_NATIVE: native ? '1' : '0' },
    }),
  ) as RssReport;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const rssRows: (string | number)[][] = [];
for (const native of nativeOn ? [true, false] : [false]) {
  for (const ext of ['safetensors', 'h5']) {
    const small = rss(`small.${ext}`, native);
    const big = rss(`big.${ext}`, native);
    const sizes = `${mb(statSync(join(dir, `small.${ext}`)).size)} → ${mb(statSync(join(dir, `big.${ext}`)).size)}`;
    const label = `${ext}, native ${native ? 'on (mmap)' : 'off'}`;
    rssRows.push([
      label,
      sizes,
      mb(small.readPeakRss),
      mb(big.readPeakRss),
      (big.readPeakRss / small.readPeakRss).toFixed(3),
      `${mb(small.maxRss)} / ${mb(big.maxRss)}`,
    ]);
  }
}

const section = `## Activation store read throughput (\`bench/io-read.bench.ts\`)

Machine: ${machineDescription()}. ${new Date().toISOString().slice(0, 10)}${quick ? ' (quick run)' : ''}.
Float16 stores of ${N} MiniLM-sized span examples \`[${S}, ${H}, ${L}]\` (${(storedBytes / 1e6).toFixed(0)} MB), random-normal
values, warm page cache; batches of ${B} examples read into one reused float32 buffer; GB/s of **stored** (float16)
bytes, median of ${REPEATS} interleaved passes. The raw read and h5py run in the same process run as the
bertvision reads. Ratio = row ÷ raw read of the same file (target ≥ 0.8×, and faster than h5py).

${markdownTable(['store', 'reader', 'GB/s (stored bytes)', 'vs raw read'], rows)}

bertvision (first row of each store) ÷ raw read: ${Object.entries(ratios)
  .filter(([k]) => !k.startsWith('vs h5py'))
  .map(([k, v]) => `${k} ${fmt(v)}×`)
  .join(
    ', ',
  )}; bertvision HDF5 ÷ h5py \`read_direct\` + float32 (the same result): ${fmt(ratios['vs h5py']!)}×, ÷ h5py's
raw float16 slices (half the bytes written): ${fmt(ratios['vs h5py raw']!)}×.

How the native rows keep up with a plain read of the file although they write twice its bytes: the raw read
copies every byte from the page cache into a buffer (one core); the native reader maps the file and decodes float16
straight from the page cache into the float32 batch on both cores, with no copy in between. What it still pays: the
pages of each finished read are released so that the resident set does not grow with the store, and mapping them
again costs about a fifth of the rate (measured with and without the release in C on the same files). The raw
baseline itself moves between 10 and 15 GB/s from run to run here, while the native rate stays at 10–12 GB/s.
Without the native kernels the float16 conversion (WebAssembly SIMD on one core, about 2 GB/s of float16 input)
is the bound. The HDF5 file is h5py's default
layout, which bertvision locates itself and reads like safetensors (other HDF5 storage goes through h5wasm).

### Peak RSS, store 10× larger

Separate processes (\`bench/io-rss.ts\`) each open one store and read every example in batches of ${B}; RSS is
sampled after every batch (the read phase). With the native kernels the files are memory-mapped; the pages of each
finished read are released, so mapped pages do not accumulate in the resident set. Target: ratio ≤ 1.1 (memory does not grow with the store). The last
column is the whole-process maximum RSS, dominated by the one-off start-up peak of loading tsx and compiling
h5wasm's 4 MB module, which varies by ±200 MB from run to run whatever the store.

${markdownTable(['container', 'store sizes', 'read-phase peak RSS, small', 'read-phase peak RSS, 10×', 'ratio', 'process max RSS small / 10×'], rssRows)}`;

await writeMarkdownSection(join(root, 'docs', 'benchmarks.md'), 'io-read', section);
console.log(section);
