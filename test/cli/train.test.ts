import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

// Real MiniLM CLS stores (tools/extract): 300 train questions, 200 eval questions of the fixed dev split.
const root = fileURLToPath(new URL('../..', import.meta.url));
const trainStore = join(root, 'data/minilm/cls-train-300q.h5');
const devStore = join(root, 'data/minilm/cls-eval-200q.h5');
const squad = join(root, 'data/squad/dev-v2.0.json');
const work = mkdtempSync(join(tmpdir(), 'bv-train-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const baseArgs = (out: string) => [
  'train',
  trainStore,
  '--arch',
  'tenney-small',
  '--out',
  out,
  '--epochs',
  '2',
  '--batch-size',
  '32',
];

describe('bertvision train', () => {
  it('trains a binary head on real activations, evaluates dev at question level and writes every output', async () => {
    const out = join(work, 'run');
    const r = await cli([...baseArgs(out), '--dev', devStore, '--squad', squad, '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.state.history).toHaveLength(2);
    const metrics = result.state.history[1].metrics;
    expect(Object.keys(metrics).sort()).toEqual([
      'accuracy',
      'f1',
      'precision',
      'questions',
      'recall',
      'window_accuracy',
    ]);
    expect(metrics.questions).toBe(200);
    expect(result.state.best.metric).toBe('f1');
    for (const f of [
      'model/model.json',
      'best-model/model.json',
      'history.json',
      'learning-curves.svg',
      'layer-weights.svg',
      'checkpoints/last.ckpt',
      'checkpoints/best.ckpt',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    // 8 channels: pooled, embeddings and 6 layers of MiniLM.
    expect(readFileSync(join(out, 'layer-weights.svg'), 'utf8').match(/data-layer=/g)).toHaveLength(8);
    const inspected = await cli(['inspect', join(out, 'model'), '--json']);
    expect(JSON.parse(inspected.out).parameters.total).toBe(8 + 1 + 384 * 2 + 2);
  });

  it('refuses to overwrite a run without --resume, and rejects bad flags with exit 2', async () => {
    const out = join(work, 'run');
    const again = await cli(baseArgs(out));
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds a training run: --resume continues it, --overwrite replaces it/);
    expect(again.err).not.toMatch(/using backend/);
    expect((await cli([...baseArgs(join(work, 'x')), '--epochs', 'two'])).code).toBe(2);
    expect((await cli(['train', trainStore, '--arch', 'resnet', '--out', join(work, 'y')])).err).toMatch(
      /--arch: 'resnet' is not one of/,
    );
    const span = await cli([
      'train',
      trainStore,
      '--arch',
      'learned-pooling',
      '--out',
      join(work, 'z'),
      '--epochs',
      '1',
    ]);
    expect(span.code).toBe(1);
    expect(span.err).toMatch(/span heads need full-sequence activations/);
  });

  it('resumes after SIGKILL to the same final weights as an uninterrupted run', async () => {
    const reference = join(work, 'reference');
    expect((await cli([...baseArgs(reference), '--epochs', '3', '--checkpoint-every', '3'])).code).toBe(0);

    const killed = join(work, 'killed');
    const args = [...baseArgs(killed), '--epochs', '3', '--checkpoint-every', '3'].map(String);
    const signal = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
        cwd: root,
        stdio: 'ignore',
      });
      let watcher: ReturnType<typeof watch> | undefined;
      const arm = setInterval(() => {
        if (!existsSync(join(killed, 'checkpoints'))) return;
        clearInterval(arm);
        // Kill as soon as the first checkpoint (after step 3 of 10 in epoch 1) is complete.
        watcher = watch(join(killed, 'checkpoints'), () => {
          if (existsSync(join(killed, 'checkpoints/last.ckpt'))) proc.kill('SIGKILL');
        });
      }, 2);
      proc.on('error', reject);
      proc.on('close', (_code, sig) => {
        clearInterval(arm);
        watcher?.close();
        resolve(sig);
      });
    });
    expect(signal).toBe('SIGKILL');
    expect(existsSync(join(killed, 'model'))).toBe(false);
    const resumed = await cli([...args.slice(0), '--resume', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out).resumedFrom).toBe(join(killed, 'checkpoints/last.ckpt'));
    expect(
      readFileSync(join(killed, 'model/weights.bin')).equals(readFileSync(join(reference, 'model/weights.bin'))),
    ).toBe(true);
  });
});

describe('trainHead', () => {
  it('leaves no tensor behind (model, optimizer state, batches, dev outputs)', async () => {
    const tf = await import('@tensorflow/tfjs');
    const { trainHead } = await import('../../src/jobs/train.js');
    const before = tf.memory().numTensors;
    await trainHead({
      trainStore,
      devStore,
      architecture: 'tenney-small',
      outDir: join(work, 'leak'),
      epochs: 2,
      batchSize: 64,
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
