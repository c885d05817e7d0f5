import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fit } from '../../src/train/trainer.js';
import { useBackend } from '../helpers/backends.js';
import { ToyBatchSource, toyModel, weightValues } from './toy.js';

const child = fileURLToPath(new URL('./child/train-child.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'bv-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Run the child; if `killWhen` matches a stdout line, SIGKILL it right then. Resolves to the exit signal/code. */
function runChild(
  args: string[],
  killWhen?: (line: string) => boolean,
): Promise<{ signal: NodeJS.Signals | null; code: number | null; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let pending = '';
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (killWhen?.(line)) proc.kill('SIGKILL');
      }
    });
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve({ signal, code, lines });
    });
  });
}

let expected: number[][];
beforeAll(async () => {
  await useBackend('cpu');
  const model = toyModel();
  await fit(model, { train: new ToyBatchSource(), epochs: 3 });
  expected = weightValues(model);
});

describe('training survives SIGKILL', () => {
  it('killed mid-epoch, then resumed: same final weights as an uninterrupted run', async () => {
    const dir = join(work, 'mid-epoch');
    const killed = await runChild([dir, join(dir, 'unused.json')], (line) => line === 'STEP 7');
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.lines).not.toContain('DONE');
    const out = join(work, 'mid-epoch.json');
    const resumed = await runChild([dir, out]);
    expect(resumed.lines).toContain('DONE');
    const result = JSON.parse(readFileSync(out, 'utf8')) as { weights: number[][]; resumedFrom: string; steps: number };
    expect(result.resumedFrom).toBe(join(dir, 'last.ckpt'));
    expect(result.steps).toBe(15);
    expect(result.weights).toEqual(expected);
  });

  it('killed during a checkpoint write: no partial checkpoint, resume still exact', async () => {
    const dir = join(work, 'mid-write');
    // The 3rd save is the checkpoint after step 6 (saves after steps 2, 4, then the epoch end at 5, ...).
    const killed = await runChild(
      [dir, join(dir, 'unused.json'), '--stall-on-save', '3'],
      (line) => line === 'WRITING',
    );
    expect(killed.signal).toBe('SIGKILL');
    const leftovers = readdirSync(dir);
    expect(leftovers.some((n) => n.startsWith('.last.ckpt.tmp-'))).toBe(true); // the write really was cut short
    const out = join(work, 'mid-write.json');
    await runChild([dir, out]);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { weights: number[][]; steps: number };
    expect(result.steps).toBe(15);
    expect(result.weights).toEqual(expected);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]); // stale temp file cleaned up
  });
});
