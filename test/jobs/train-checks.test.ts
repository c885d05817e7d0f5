/**
 * trainHead refuses to train on what it cannot train on, and to resume a run that is not the same run: labels out
 * of range (is_impossible 2 or -1, span positions 999 or negative, which one-hot to all zeros and train to a loss of
 * 0) name the first offending window; a resume with another learning rate, batch size, shuffle mode or store lists
 * each difference. The expected values are the labels and options these tests write.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreWriter, FileFormatError, initBackend, MismatchError, trainHead } from '../../src/index.node.js';

const work = mkdtempSync(join(tmpdir(), 'bv-train-checks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const WINDOWS = 6;
const SEQ = 8;

/** A span store of 6 windows × 8 positions × 4 hidden × 2 layers with the given labels. */
async function spanStore(name: string, labels: { start?: number[]; end?: number[]; impossible?: number[] } = {}) {
  const path = join(work, `${name}.safetensors`);
  const writer = await createStoreWriter(path, {
    format: 'safetensors',
    dtype: 'float32',
    shapes: {
      hidden_state_activations: [WINDOWS, SEQ, 4, 2],
      start_positions: [WINDOWS],
      end_positions: [WINDOWS],
      is_impossible: [WINDOWS],
    },
  });
  const activations = new Float32Array(WINDOWS * SEQ * 8);
  for (let i = 0; i < activations.length; i++) activations[i] = Math.sin(i);
  await writer.append({
    hidden_state_activations: activations,
    start_positions: Int32Array.from(labels.start ?? [1, 2, 0, 3, 4, 5]),
    end_positions: Int32Array.from(labels.end ?? [2, 3, 0, 4, 6, 7]),
    is_impossible: Int32Array.from(labels.impossible ?? [0, 0, 1, 0, 0, 0]),
  });
  await writer.finish();
  return path;
}

describe('trainHead label checks', () => {
  it.each([
    ['is_impossible', { impossible: [0, 0, 2, 0, 0, 0] }, /window 2: is_impossible is 2, expected 0 or 1/],
    ['is_impossible', { impossible: [-1, 0, 1, 0, 0, 0] }, /window 0: is_impossible is -1, expected 0 or 1/],
    [
      'start_positions',
      { start: [1, 999, 0, 3, 4, 5] },
      /window 1: start_positions is 999, expected a token position in \[0, 8\)/,
    ],
    [
      'end_positions',
      { end: [2, 3, 0, 4, 6, -3] },
      /window 5: end_positions is -3, expected a token position in \[0, 8\)/,
    ],
  ])('refuses %s out of range, naming the first offending window', async (name, labels, message) => {
    const store = await spanStore(`bad-${name}-${JSON.stringify(labels).length}`, labels);
    const error = await trainHead({
      trainStore: store,
      architecture: 'learned-pooling',
      outDir: join(work, `run-bad-${name}`),
      epochs: 1,
      batchSize: 2,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileFormatError);
    expect(String(error)).toMatch(message);
    expect(String(error)).toContain(store);
  });
});

describe('trainHead resume fingerprint', () => {
  it('refuses a resume with other options or another store of the same size, listing each difference', async () => {
    const store = await spanStore('resume');
    const outDir = join(work, 'run-resume');
    const base = { trainStore: store, architecture: 'learned-pooling' as const, outDir, batchSize: 2 };
    await trainHead({ ...base, epochs: 1 });
    const changed = await trainHead({ ...base, epochs: 2, resume: true, learningRate: 2e-3, shuffle: 'none' }).catch(
      (e: unknown) => e,
    );
    expect(changed).toBeInstanceOf(MismatchError);
    expect(String(changed)).toContain('learningRate: 0.001 in the checkpoint, 0.002 now');
    expect(String(changed)).toContain('shuffle: "full" in the checkpoint, "none" now');
    const batch = await trainHead({ ...base, epochs: 2, resume: true, batchSize: 3 }).catch((e: unknown) => e);
    expect(String(batch)).toMatch(/batchSize: 2 in the checkpoint, 3 now/);
    const twin = await spanStore('resume-twin', { start: [2, 2, 0, 3, 4, 5] });
    const other = await trainHead({ ...base, trainStore: twin, epochs: 2, resume: true }).catch((e: unknown) => e);
    expect(String(other)).toMatch(/refusing to resume \(1 difference\(s\)\): trainStore: /);
    const same = await trainHead({ ...base, epochs: 2, resume: true });
    expect(same.resumedFrom).toBe(join(outDir, 'checkpoints', 'last.ckpt'));
  });
});
