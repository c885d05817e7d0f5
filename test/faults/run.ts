/**
 * `npm run test:faults`: the fault-injection suite. For saveModel, checkpoint saves and each store writer
 * (safetensors, npy, HDF5), a dry run lists every pwrite/fsync/rename/mkdir the write makes; then each of them in
 * turn fails with EIO, fails with ENOSPC, or kills the process (SIGKILL), on a target holding the previous version.
 * After each case: the target holds the complete previous or the complete new version (npy directories: nothing or
 * the new one), a failure is a typed error naming the file and the problem, and the next (clean) write succeeds
 * and leaves no debris. Prints the figures and exits 1 unless lost, crashed, hung, unclear and unrecovered are all 0.
 * Needs strace and dist/ (npm run build). FAULTS_SCENARIOS=model,npy limits the scenarios; FAULTS_JOBS=2 cases at once.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Scenario, TARGETS, write } from './driver.mjs';
import { debrisIn, startTf, stateOf } from './state.js';
import { type FaultPoint, faultPoints, type RunResult, runWithFault } from './strace.js';

const SCENARIOS: Scenario[] = ['model', 'checkpoint', 'safetensors', 'npy', 'hdf5'];
const FAULTS = [
  { inject: 'error=EIO', errno: 'EIO' },
  { inject: 'error=ENOSPC', errno: 'ENOSPC' },
  { inject: 'signal=KILL', errno: undefined },
] as const;
/** Variants: 1 = the previous version, 2 = the write being broken, 3 = the recovery write. */
const PREVIOUS = 1;
const BROKEN = 2;
const RECOVERY = 3;
/** Cases run at once (each in its own directory); FAULTS_JOBS overrides. */
const JOBS = Math.max(1, Number(process.env.FAULTS_JOBS ?? 2));

interface Figures {
  tried: number;
  lost: number;
  crashed: number;
  hung: number;
  unclear: number;
  unrecovered: number;
  ambiguous: number;
}

/** Classify one run; returns the problems found (empty when the case held). */
function judge(result: RunResult, fault: (typeof FAULTS)[number], work: string): (keyof Figures)[] {
  if (result.hung) return ['hung'];
  const killedByUs = fault.errno === undefined && result.signal === 'SIGKILL';
  if (killedByUs) return [];
  if (result.signal !== null || (result.status !== 0 && result.status !== 1)) return ['crashed'];
  if (result.status === 0) return [];
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  let reply: { ok?: boolean; code?: unknown; message?: unknown };
  try {
    reply = JSON.parse(line) as typeof reply;
  } catch {
    return ['crashed'];
  }
  const message = String(reply.message);
  const clear =
    typeof reply.code === 'string' &&
    reply.code.startsWith('E_') &&
    message.includes(work) &&
    fault.errno !== undefined &&
    message.includes(fault.errno);
  return clear ? [] : ['unclear'];
}

async function prepare(scenario: Scenario, work: string, pristine: string): Promise<void> {
  await rm(work, { recursive: true, force: true });
  await cp(pristine, work, { recursive: true });
}

async function runScenario(scenario: Scenario, root: string, figures: Figures, report: string[]): Promise<void> {
  const pristine = join(root, `${scenario}-pristine`);
  const work = join(root, scenario);
  await mkdir(pristine, { recursive: true });
  // npy directory stores are never replaced (the writer refuses an existing directory): the previous state is none.
  if (scenario !== 'npy') await write(scenario, pristine, PREVIOUS);
  const allowed = new Set([scenario === 'npy' ? 'none' : PREVIOUS, BROKEN]);
  await prepare(scenario, work, pristine);
  const { points, ambiguous } = await faultPoints(scenario, work, BROKEN, join(root, `${scenario}.strace`));
  figures.ambiguous += ambiguous;
  const cases = points.flatMap((point) => FAULTS.map((fault) => ({ point, fault })));
  const runCase = async ({ point, fault }: (typeof cases)[number], slot: number): Promise<void> => {
    const dir = join(root, `${scenario}-${slot}`);
    await prepare(scenario, dir, pristine);
    const result = await runWithFault(point, fault.inject, scenario, dir, BROKEN);
    figures.tried++;
    const problems = judge(result, fault, dir);
    const state = await stateOf(scenario, dir);
    if (!allowed.has(state) || (result.status === 0 && state !== BROKEN)) problems.push('lost');
    try {
      if (scenario === 'npy') await rm(join(dir, TARGETS.npy), { recursive: true, force: true });
      await write(scenario, dir, RECOVERY);
      const debris = await debrisIn(scenario, dir);
      if ((await stateOf(scenario, dir)) !== RECOVERY || debris.length > 0) {
        problems.push('unrecovered');
        report.push(`    debris: ${debris.join(', ')}`);
      }
    } catch (error) {
      problems.push('unrecovered');
      report.push(`    recovery failed: ${String(error)}`);
    }
    for (const p of problems) figures[p]++;
    if (problems.length > 0) report.push(describeCase(scenario, point, fault.inject, result, state, problems));
  };
  let next = 0;
  const worker = async (slot: number): Promise<void> => {
    for (let i = next++; i < cases.length; i = next++) await runCase(cases[i]!, slot);
  };
  await Promise.all(Array.from({ length: JOBS }, (_, slot) => worker(slot)));
  console.log(`  ${scenario}: ${points.length} fault points × ${FAULTS.length} faults`);
}

function describeCase(
  scenario: Scenario,
  point: FaultPoint,
  fault: string,
  result: RunResult,
  state: unknown,
  problems: string[],
): string {
  const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-3).join(' | ');
  return (
    `  ${problems.join('+')}: ${scenario} ${point.syscall}#${point.when} (${point.detail}) ${fault} → ` +
    `status ${result.status} signal ${result.signal}, state ${String(state)}: ${output}`
  );
}

async function main(): Promise<void> {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('test:faults needs strace (Debian: apt-get install strace)');
  }
  const chosen = process.env.FAULTS_SCENARIOS?.split(',') ?? SCENARIOS;
  const scenarios = SCENARIOS.filter((s) => chosen.includes(s));
  await startTf();
  const root = await mkdtemp(join(tmpdir(), 'bv-faults-'));
  const figures: Figures = { tried: 0, lost: 0, crashed: 0, hung: 0, unclear: 0, unrecovered: 0, ambiguous: 0 };
  const report: string[] = [];
  const started = Date.now();
  try {
    for (const scenario of scenarios) await runScenario(scenario, root, figures, report);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  for (const line of report) console.log(line);
  const { tried, lost, crashed, hung, unclear, unrecovered, ambiguous } = figures;
  console.log(
    `fault injection: ${tried} cases tried, ${lost} lost, ${crashed} crashed, ${hung} hung, ${unclear} unclear, ` +
      `${unrecovered} unrecovered (${ambiguous} points not injectable on one thread; ${Math.round((Date.now() - started) / 1000)} s)`,
  );
  if (lost + crashed + hung + unclear + unrecovered > 0 || tried === 0) process.exitCode = 1;
}

await main();
