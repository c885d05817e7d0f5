#!/usr/bin/env node
/**
 * Builds bertvision's optional native kernels (native/src → native/build/bertvision_native.node): memory-mapped
 * float16 store reads and an AVX2/FMA matrix product, both on every core, plus the opt-in AVX-512 BF16 product (used
 * only where the CPU has it, and only when asked for). Runs as the package's install script.
 *
 * Needs only a C++17 compiler (`$CXX`, default `c++`) and the Node-API headers (the `node-api-headers` npm package,
 * else the ones installed next to node); no node-gyp, no download. Linux and macOS. When anything is missing or
 * fails, it prints one line and exits 0: bertvision then uses its WebAssembly kernels (same results, slower).
 *
 *   node native/build.mjs            build, or explain why not (exit 0)
 *   node native/build.mjs --strict   exit 1 when the build fails (CI)
 *
 * `BERTVISION_NATIVE=0` skips the build (and disables the kernels at run time).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const here = dirname(fileURLToPath(import.meta.url));
const sources = join(here, 'src');
const output = join(here, 'build', 'bertvision_native.node');
/** The reason the build failed, for src/platform/native.ts to report at first use (npm hides install output). */
const notBuilt = join(here, 'build', 'NOT_BUILT.txt');

/** Why the build stops: reported in one line, never as a stack trace. */
class NotBuilt extends Error {}

function giveUp(reason) {
  throw new NotBuilt(reason);
}

function headerDirectory() {
  try {
    const dir = createRequire(import.meta.url)('node-api-headers').include_dir;
    if (existsSync(join(dir, 'node_api.h'))) return dir;
  } catch {
    // not installed: try node's own headers
  }
  const beside = join(dirname(process.execPath), '..', 'include', 'node');
  return existsSync(join(beside, 'node_api.h')) ? beside : undefined;
}

/** Runs the compiler; resolves to its stderr on failure, undefined on success. */
function run(compiler, args) {
  return new Promise((resolve) => {
    const child = spawn(compiler, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => resolve(error.message));
    child.on('close', (code) => resolve(code === 0 ? undefined : stderr.trim().split('\n').slice(0, 3).join(' | ')));
  });
}

async function build() {
  if (process.env.BERTVISION_NATIVE === '0') giveUp('BERTVISION_NATIVE=0');
  if (platform !== 'linux' && platform !== 'darwin') giveUp(`no native build for ${platform}`);
  const include = headerDirectory();
  if (!include) giveUp('Node-API headers not found');
  const compiler = process.env.CXX || 'c++';
  if (spawnSync(compiler, ['--version'], { stdio: 'ignore' }).status !== 0) giveUp(`no C++ compiler ('${compiler}')`);

  const x64 = arch === 'x64';
  const common = [
    '-O3',
    '-std=c++17',
    '-fPIC',
    '-pthread',
    '-fvisibility=hidden',
    '-DNAPI_VERSION=8',
    '-DNODE_GYP_MODULE_NAME=bertvision_native',
    `-I${include}`,
  ];
  const units = [
    ['addon.cc', []],
    ['napi_helpers.cc', []],
    ['wasm_heap_kernels.cc', []],
    ['product_kernels.cc', []],
    ['adapter_head_kernels.cc', []],
    ['float16.cc', []],
    ['mapped_file.cc', []],
    ['thread_pool.cc', []],
    ['transpose.cc', []],
    ['column_sums.cc', []],
    ['depthwise_gradients.cc', []],
    ['optimizer_kernels.cc', []],
    ['batch_norm_kernels.cc', []],
    ['batch_norm.cc', []], // memory-bound loops: the baseline ISA's vectors suffice
    ['avg_pool_kernels.cc', []],
    ['avg_pool.cc', []],
    ['relu.cc', []],
    ['heap_pages.cc', []],
    ...(x64
      ? [
          ['float16_f16c.cc', ['-mavx', '-mf16c']],
          ['gemm_avx2.cc', ['-mavx2', '-mfma', '-mf16c']],
          ['gelu_avx2.cc', ['-mavx2', '-mfma']],
          ['adapter_gradients_avx2.cc', ['-mavx2', '-mfma']],
          ['adapter_head_avx2.cc', ['-mavx2', '-mfma']],
          ['matvec_avx2.cc', ['-mavx2', '-mfma']],
          ['skinny_products_avx2.cc', ['-mavx2', '-mfma']],
          // no FMA contraction: the fused Adam step rounds every operation as tfjs' separate kernels do
          ['adam_avx.cc', ['-mavx', '-ffp-contract=off']],
        ]
      : []),
  ];
  // The opt-in bf16 product (BERTVISION_MATMUL=bf16): only called where the CPU reports AVX-512 BF16 at run time
  // (cpuHasAvx512Bf16), so the addon still loads everywhere. Linked last: where an inline function of a shared header
  // is instantiated here too, the linker keeps the earlier (baseline ISA) copy. A compiler without -mavx512bf16 (GCC < 9,
  // Clang < 9) builds the addon without it: the units that call it are then compiled with BERTVISION_NO_BF16.
  const bf16Unit = x64 ? ['gemm_bf16_avx512.cc', ['-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512bf16']] : undefined;
  const bf16Callers = new Set(['napi_helpers.cc', 'product_kernels.cc']);
  const work = join(here, 'build', `tmp-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const objectOf = (file) => join(work, file.replace(/\.cc$/, '.o'));
    const compile = ([file, flags]) =>
      run(compiler, [...common, ...flags, '-c', join(sources, file), '-o', objectOf(file)]);
    const [failures, bf16Failure] = await Promise.all([
      Promise.all(units.map(compile)),
      bf16Unit ? compile(bf16Unit) : Promise.resolve('not x86-64'),
    ]);
    const failed = failures.findIndex((f) => f !== undefined);
    if (failed >= 0) giveUp(`compiling ${units[failed][0]} failed: ${failures[failed]}`);
    if (bf16Unit && bf16Failure !== undefined) {
      console.warn(`bertvision: the bf16 matrix product is not built (${bf16Failure}); fp32 kernels only.`);
      const again = await Promise.all(
        units
          .filter(([file]) => bf16Callers.has(file))
          .map(([file, flags]) => compile([file, [...flags, '-DBERTVISION_NO_BF16']])),
      );
      const failedAgain = again.find((f) => f !== undefined);
      if (failedAgain !== undefined) giveUp(`compiling without bf16 failed: ${failedAgain}`);
    }
    const objects = [
      ...units.map(([file]) => objectOf(file)),
      ...(bf16Failure === undefined ? [objectOf(bf16Unit[0])] : []),
    ];
    const linked = join(work, 'bertvision_native.node');
    const linkFlags = platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared'];
    const linkError = await run(compiler, [...linkFlags, '-pthread', '-o', linked, ...objects]);
    if (linkError !== undefined) giveUp(`linking failed: ${linkError}`);
    // load it once in a separate process, so a binary that cannot load is never installed
    const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(linked)}).capabilities()`], {
      encoding: 'utf8',
    });
    if (probe.status !== 0) giveUp(`the built addon does not load: ${(probe.stderr || '').trim().split('\n')[0]}`);
    renameSync(linked, output);
    rmSync(notBuilt, { force: true });
    console.log(`bertvision: native kernels built (${output})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  await build();
} catch (error) {
  // anything unexpected (a read-only install directory, …) is reported the same way: an install must not fail
  const reason =
    error instanceof NotBuilt
      ? error.message
      : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  const line = `bertvision: native kernels not built (${reason}); the WebAssembly kernels will be used.`;
  if (strict) {
    console.error(line);
    process.exit(1);
  }
  console.warn(`${line} Install a C++17 compiler and run \`npm rebuild bertvision\` to build them.`);
  // npm hides install output: leave the reason where src/platform/native.ts finds it and reports it at first use.
  try {
    mkdirSync(join(here, 'build'), { recursive: true });
    writeFileSync(notBuilt, `${reason}\n`);
  } catch {
    // a read-only install directory: nothing more to do
  }
}
