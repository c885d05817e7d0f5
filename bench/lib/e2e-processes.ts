/**
 * The processes the end-to-end benchmark (bench/e2e.bench.ts) times: `bertvision train` (the CLI, as users run it),
 * the PyTorch script (bench/python/e2e_torch.py, DataLoader with 0 or 1 workers) and the Keras script
 * (bench/python/e2e_keras.py, binary heads), each spawned as a whole process and timed from spawn to exit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** One side of a row: the CLI, torch with 0 or 1 DataLoader workers, or Keras `fit` (binary heads). */
export type Variant = 'bertvision' | 'torch-w0' | 'torch-w1' | 'keras';

/** What one process run gave: wall seconds of the whole process, and what it reported of itself. */
export interface ProcessResult {
  seconds: number;
  /** Inner-loop examples/s as the process reported it (CLI: its last progress line; Python: its own timer). */
  loopRate: number | null;
  /** Parameter count the Python side printed (null for the CLI). */
  parameters: number | null;
  /** The backend the CLI chose (its `--json` output), null for Python. */
  backend: string | null;
}

/** The Python interpreter: $BERTVISION_PYTHON, else the repo's .venv. */
export function python(): string {
  const venv = join(root, '.venv/bin/python');
  const py = process.env.BERTVISION_PYTHON ?? (existsSync(venv) ? venv : null);
  if (py === null) throw new Error('no Python: set BERTVISION_PYTHON or create .venv with torch, h5py, tf_keras');
  return py;
}

/** Runs `cmd args`, returns its stdout, stderr and wall seconds; throws with the stderr tail when it fails. */
function timed(cmd: string, args: string[]): { stdout: string; stderr: string; seconds: number } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.error) throw r.error;
  if (r.status !== 0) {
    // first line: the process' last words (the table shows it); then the command and more of its stderr
    const lines = `${r.stderr}`.trim().split('\n');
    const last = (lines.at(-1) ?? '').replace(/^bertvision: /, '');
    const tail = lines.slice(-6).join('\n');
    throw new Error(`${last} (exit ${r.status ?? r.signal})\n${cmd} ${args.join(' ')}\n${tail}`);
  }
  return { stdout: r.stdout, stderr: r.stderr, seconds };
}

function lastJsonLine(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

/** One training epoch of `arch` on `store` by `variant`, as a whole process. */
export function runVariant(variant: Variant, store: string, arch: string, batch: number): ProcessResult {
  const work = mkdtempSync(join(tmpdir(), 'bertvision-e2e-'));
  try {
    if (variant === 'bertvision') {
      const args = [join(root, 'dist/cli/main.js'), 'train', store, '--arch', arch, '--out', join(work, 'run')];
      args.push('--epochs', '1', '--batch-size', String(batch), '--json');
      const r = timed(process.execPath, args);
      const backend = String((JSON.parse(r.stdout) as { backend?: unknown }).backend ?? 'unknown');
      const rates = [...r.stderr.matchAll(/([\d.]+) ex\/s/g)].map((m) => Number(m[1]));
      return { seconds: r.seconds, loopRate: rates.at(-1) ?? null, parameters: null, backend };
    }
    const script = join(root, 'bench/python', variant === 'keras' ? 'e2e_keras.py' : 'e2e_torch.py');
    const args = [script, store, '--arch', arch, '--batch', String(batch)];
    if (variant === 'keras') args.push('--out', join(work, 'model.weights.h5'));
    else args.push('--out', join(work, 'model.pt'), '--workers', variant === 'torch-w1' ? '1' : '0');
    const r = timed(python(), args);
    const out = lastJsonLine(r.stdout);
    return {
      seconds: r.seconds,
      loopRate: Number(out.examples_per_s),
      parameters: Number(out.parameters),
      backend: null,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Parameter counts of every head at `shape` ([S, E, L]; binary heads see S = 1), from `bertvision architectures`. */
export function cliParameterCounts(shape: readonly number[]): Map<string, number> {
  const r = timed(process.execPath, [
    join(root, 'dist/cli/main.js'),
    'architectures',
    '--input-shape',
    shape.join(','),
    '--json',
  ]);
  const list = JSON.parse(r.stdout) as Array<{ name: string; parameters: number }>;
  return new Map(list.map((a) => [a.name, a.parameters]));
}

/** Makes (or reuses) the stores with bench/python/e2e_make_stores.py; returns their paths by name. */
export function makeStores(dir: string, names: string[], counts: Record<string, number>): Record<string, string> {
  const args = [join(root, 'bench/python/e2e_make_stores.py'), dir, '--only', names.join(',')];
  args.push('--n-span-minilm', String(counts['span-minilm']), '--n-span-large', String(counts['span-large']));
  args.push('--n-binary', String(counts['binary-minilm']));
  const r = timed(python(), args);
  const made = lastJsonLine(r.stdout) as Record<string, { path: string; created: boolean }>;
  return Object.fromEntries(Object.entries(made).map(([k, v]) => [k, resolve(root, v.path)]));
}
