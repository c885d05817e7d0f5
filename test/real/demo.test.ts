/**
 * `npm run demo` as a user runs it, on the shipped fine-tuned MiniLM CLS stores: it must end with exactly one summary
 * line, whose majority and backbone figures are what the reproduction's Python scoring published for the same stores
 * (docs/reproduction/results.json, the 1-epoch bert-answerability row), and whose head must beat the majority class:
 * the demo learns something real. It must also be rerunnable (an earlier run's directory is kept beside).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'bv-demo-'));
symlinkSync(join(root, 'data'), join(work, 'data'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Row {
  system: string;
  fine_tune_epochs: number;
  accuracy: number;
  majority_accuracy?: number;
  questions: number;
}
const results = JSON.parse(readFileSync(join(root, 'docs/reproduction/results.json'), 'utf8')) as { rows: Row[] };
const backboneRow = results.rows.find((r) => r.system === 'bert-answerability' && r.fine_tune_epochs === 1)!;

function runDemo() {
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const { BERTVISION_BACKEND: _, ...env } = process.env;
  const r = spawnSync(tsx, [join(root, 'examples', 'answerability.ts')], { cwd: work, env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run demo (examples/answerability.ts)', () => {
  it('ends with one summary line: head above the majority class, majority and backbone as Python scored them', () => {
    const r = runDemo();
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('summary:'))).toHaveLength(1);
    const summary = lines.at(-1)!;
    const m =
      /^summary: head accuracy (0\.\d{4}), majority (0\.\d{4}), backbone (0\.\d{4}) \((\d+) eval questions\)$/.exec(
        summary,
      );
    expect(m, summary).not.toBeNull();
    const [head, majority, backbone, questions] = [Number(m![1]), Number(m![2]), Number(m![3]), Number(m![4])];
    expect(questions).toBe(backboneRow.questions);
    expect(majority).toBe(Number(backboneRow.majority_accuracy!.toFixed(4)));
    expect(backbone).toBe(Number(backboneRow.accuracy.toFixed(4)));
    expect(head).toBeGreaterThan(majority);
  });

  it('runs again, keeping the earlier run beside the new one', () => {
    expect(existsSync(join(work, 'runs', 'answerability'))).toBe(true);
    const r = runDemo();
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/earlier run moved to runs\/answerability-/);
    expect(readdirSync(join(work, 'runs')).filter((d) => d.startsWith('answerability-'))).toHaveLength(1);
  });
});
