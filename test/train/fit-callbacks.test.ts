/**
 * fit and trainHead as a Keras user drives them, training for real on the shipped MiniLM CLS stores: tfjs callbacks
 * (tf.callbacks.earlyStopping on a dev metric, a CustomCallback, a plain object of hooks), a progress line per epoch
 * unless quiet, and a tf.LayersModel built by the user in place of a registry name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainHead } from '../../src/jobs/train.js';
import { useBackend } from '../helpers/backends.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const trainStore = join(root, 'data/minilm/cls-train-300q.h5');
const devStore = join(root, 'data/minilm/cls-eval-200q.h5');
const work = mkdtempSync(join(tmpdir(), 'bv-fit-callbacks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(() => useBackend('wasm'));

let run = 0;
const base = () => ({
  trainStore,
  devStore,
  architecture: 'tenney-small' as const,
  outDir: join(work, `run-${run++}`),
  batchSize: 64,
});

describe('fit callbacks', () => {
  it('tf.callbacks.earlyStopping on a dev metric (val_<name>) stops the run', async () => {
    const lines: string[] = [];
    // no epoch can improve val_accuracy by 1: the run stops after `patience` epochs without improvement
    const stop = tf.callbacks.earlyStopping({ monitor: 'val_accuracy', mode: 'max', minDelta: 1, patience: 1 });
    const result = await trainHead({ ...base(), epochs: 6, callbacks: stop, log: (l) => lines.push(l) });
    expect(result.state.history).toHaveLength(2);
    expect(result.state.stopped).toBe(true);
    expect(lines).toHaveLength(2);
  });

  it('calls a CustomCallback and a plain object of hooks with Keras-style logs', async () => {
    const seen: Array<[string, number, Record<string, number>]> = [];
    const custom = new tf.CustomCallback({
      onEpochEnd: async (epoch, logs) => void seen.push(['epoch', epoch, { ...(logs as Record<string, number>) }]),
    });
    let batches = 0;
    let began = 0;
    let ended = 0;
    const hooks: tf.CustomCallbackArgs = {
      onTrainBegin: async () => void began++,
      onBatchEnd: async (_batch, logs) => {
        expect(Number.isFinite(logs?.loss)).toBe(true);
        batches++;
      },
      onTrainEnd: async () => void ended++,
    };
    const result = await trainHead({ ...base(), epochs: 2, callbacks: [custom, hooks], quiet: true });
    expect(seen.map(([, e]) => e)).toEqual([0, 1]);
    const logs = seen[1]![2];
    expect(logs.loss).toBeCloseTo(result.state.history[1]!.loss, 6);
    expect(logs.val_f1).toBe(result.state.history[1]!.metrics.f1);
    expect(Object.keys(logs)).toContain('val_accuracy');
    expect(batches).toBe(2 * Math.ceil(307 / 64));
    expect([began, ended]).toEqual([1, 1]);
  });

  it('prints one progress line per epoch unless quiet, or when onEpochEnd takes over', async () => {
    const lines: string[] = [];
    await trainHead({ ...base(), devStore: undefined, epochs: 2, log: (l) => lines.push(l) });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^epoch 2\/2 · loss \d\.\d{4} · \d+\.\d s$/);
    const quiet: string[] = [];
    await trainHead({ ...base(), epochs: 1, quiet: true, log: (l) => quiet.push(l) });
    await trainHead({ ...base(), epochs: 1, onEpochEnd: () => undefined, log: (l) => quiet.push(l) });
    expect(quiet).toEqual([]);
    const dev: string[] = [];
    await trainHead({ ...base(), epochs: 1, log: (l) => dev.push(l) });
    expect(dev[0]).toMatch(/^epoch 1\/1 · loss \d\.\d{4} · dev accuracy 0\.\d{4}, .*f1 0\.\d{4}.* · \d+\.\d s$/);
  });
});

describe('trainHead with a user-built model', () => {
  it('trains a tf.LayersModel in place (compiling it with the seed settings) and leaves it to the caller', async () => {
    const model = tf.sequential({
      name: 'my_probe',
      layers: [tf.layers.flatten({ inputShape: [1, 384, 8] }), tf.layers.dense({ units: 2 })],
    });
    const before = model.getWeights().map((w) => w.arraySync());
    const result = await trainHead({ ...base(), architecture: model, epochs: 2, quiet: true });
    expect(result.task).toBe('binary');
    expect(result.state.history).toHaveLength(2);
    expect(result.state.history[1]!.metrics.f1).toBeGreaterThanOrEqual(0);
    expect(model.optimizer).toBeDefined();
    const after = model.getWeights().map((w) => w.arraySync());
    expect(after).not.toEqual(before);
    const y = model.predict(tf.zeros([1, 1, 384, 8])) as tf.Tensor;
    expect(y.shape).toEqual([1, 2]);
    y.dispose();
    model.dispose();
  });

  it('refuses a model whose input does not fit the store', async () => {
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [1, 768, 13] }), tf.layers.dense({ units: 2 })],
    });
    await expect(trainHead({ ...base(), architecture: model, epochs: 1 })).rejects.toThrow(
      /takes \[\[null,1,768,13\]\], the store holds \[1, 384, 8\] per example/,
    );
    model.dispose();
  });
});
