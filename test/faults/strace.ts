/**
 * Running the fault driver (test/faults/driver.mjs) under Debian's strace: a dry run that lists every write, fsync,
 * rename and mkdir the write makes under the work directory, and single runs that fail or kill one of them
 * (`-e inject=<syscall>:error=EIO|ENOSPC|signal=KILL:when=N`).
 *
 * strace counts `when=N` per thread, so the runs pin libuv to one worker thread (UV_THREADPOOL_SIZE=1) and to plain
 * syscalls (UV_USE_IO_URING=0); a point is injected only when no other thread makes N calls of that syscall, so
 * the N-th call is the one the dry run saw. bertvision writes file data only positionally (pwrite64), which nothing
 * else in Node does, so injecting pwrite64 hits our writes and never the event loop's eventfd writes.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Scenario } from './driver.mjs';

const DRIVER = fileURLToPath(new URL('./driver.mjs', import.meta.url));
/** The syscalls the suite breaks, with their *at and vector variants (x86_64 names). */
const TRACED = 'pwrite64,pwritev,pwritev2,write,fsync,fdatasync,rename,renameat,renameat2,mkdir,mkdirat';
/** Syscalls injected: `write` is traced only to prove that none of our data goes through it. */
const INJECTED = new Set([
  'pwrite64',
  'pwritev',
  'pwritev2',
  'fsync',
  'fdatasync',
  'rename',
  'renameat',
  'renameat2',
  'mkdir',
  'mkdirat',
]);
/** A hung run is killed after this long. */
const HANG_MS = 60_000;

/** One syscall of the dry run that touched the work directory. */
export interface FaultPoint {
  syscall: string;
  /** 1-based index of this call among the thread's calls of `syscall` (strace's `when=`). */
  when: number;
  /** What the call touched, as strace printed it. */
  detail: string;
}

/** How one run ended. */
export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  hung: boolean;
  stdout: string;
  stderr: string;
}

const ENV = { ...process.env, UV_THREADPOOL_SIZE: '1', UV_USE_IO_URING: '0', BERTVISION_NATIVE: '0' };

function run(args: string[]): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = spawn('strace', args, { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, HANG_MS);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status, signal, hung, stdout, stderr });
    });
  });
}

/** Run the driver under strace with extra strace `options` (the child's own exit is strace's, `-qq` keeps it so). */
export function runDriver(options: string[], scenario: Scenario, work: string, variant: number): Promise<RunResult> {
  return run(['-f', '-qq', '--seccomp-bpf', ...options, process.execPath, DRIVER, scenario, work, String(variant)]);
}

/**
 * The dry run: every injectable call under `work`, plus the points refused because another thread makes as many
 * calls of the same syscall (their count is reported, not silently dropped).
 * @throws Error when the dry run fails or bertvision wrote file data with a plain `write`.
 */
export async function faultPoints(
  scenario: Scenario,
  work: string,
  variant: number,
  log: string,
): Promise<{ points: FaultPoint[]; ambiguous: number }> {
  const result = await runDriver(['-y', '-e', `trace=${TRACED}`, '-o', log], scenario, work, variant);
  if (result.status !== 0) throw new Error(`dry run of ${scenario} failed: ${result.stdout}${result.stderr}`);
  const counts = new Map<string, number>();
  const touching: { tid: string; syscall: string; when: number; detail: string }[] = [];
  for (const line of (await readFile(log, 'utf8')).split('\n')) {
    const m = /^(\d+)\s+(\w+)\((.*)$/.exec(line);
    if (!m) continue;
    const [, tid, syscall, rest] = m as unknown as [string, string, string, string];
    const key = `${tid} ${syscall}`;
    const when = (counts.get(key) ?? 0) + 1;
    counts.set(key, when);
    if (!rest.includes(work)) continue;
    if (syscall === 'write') throw new Error(`${scenario}: file data written with write(2), not pwrite: ${line}`);
    if (INJECTED.has(syscall)) touching.push({ tid, syscall, when, detail: rest.slice(0, 160) });
  }
  const points: FaultPoint[] = [];
  let ambiguous = 0;
  for (const p of touching) {
    const rivals = [...counts].filter(
      ([key, n]) => key.endsWith(` ${p.syscall}`) && !key.startsWith(`${p.tid} `) && n >= p.when,
    );
    if (rivals.length > 0) ambiguous++;
    else points.push({ syscall: p.syscall, when: p.when, detail: p.detail });
  }
  return { points, ambiguous };
}

/** Run the driver with `fault` (`error=EIO`, `error=ENOSPC`, `signal=KILL`) injected at `point`. */
export function runWithFault(
  point: FaultPoint,
  fault: string,
  scenario: Scenario,
  work: string,
  variant: number,
): Promise<RunResult> {
  const inject = `inject=${point.syscall}:${fault}:when=${point.when}`;
  return runDriver(['-o', '/dev/null', '-e', `trace=${point.syscall}`, '-e', inject], scenario, work, variant);
}
