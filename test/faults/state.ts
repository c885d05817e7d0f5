/**
 * What a scenario's target holds after a run, read with the library's own readers (loadModel, CheckpointDirectory,
 * openStore): the variant every value equals, `'none'` when nothing is there, `'broken'` otherwise.
 * And the debris check: after a clean run, only the target's own files may exist.
 */
import * as tf from '@tensorflow/tfjs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointDirectory, loadModel, openStore } from '../../src/index.node.js';
import { CHECKPOINT_CHUNK, type Scenario, STORE_SHAPES, TARGETS } from './driver.mjs';

/** The variant found, nothing, or something else (a lost write). */
export type TargetState = number | 'none' | 'broken';

function allEqual(values: ArrayLike<number | bigint>, expected: number): boolean {
  for (let i = 0; i < values.length; i++) if (Number(values[i]) !== expected) return false;
  return values.length > 0;
}

async function exists(path: string): Promise<boolean> {
  const parent = join(path, '..');
  const name = path.slice(parent.length + 1);
  return (await readdir(parent)).includes(name);
}

async function modelState(target: string): Promise<TargetState> {
  if (!(await exists(target))) return 'none';
  try {
    const model = await loadModel(target);
    const values = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
    model.dispose();
    const first = values[0];
    return first !== undefined && allEqual(values, first) ? first : 'broken';
  } catch {
    return 'broken';
  }
}

async function checkpointState(target: string): Promise<TargetState> {
  const found = await new CheckpointDirectory(target).load('last').catch(() => 'broken' as const);
  if (found === 'broken') return 'broken';
  if (found === null) return 'none';
  const first = found.bytes[0];
  return found.bytes.byteLength === 3 * CHECKPOINT_CHUNK && first !== undefined && allEqual(found.bytes, first)
    ? first
    : 'broken';
}

async function storeState(target: string, scenario: Scenario): Promise<TargetState> {
  if (!(await exists(target))) return 'none';
  try {
    const store = await openStore(target);
    try {
      const n = STORE_SHAPES.hidden_state_activations[0] ?? 0;
      const activations = await store.read('hidden_state_activations', 0, n);
      const labels = await store.read('start_positions', 0, n);
      const first = Number(activations[0]);
      const revision = scenario === 'npy' ? store.metadata?.model_revision : `variant-${first}`;
      const whole = activations.length === STORE_SHAPES.hidden_state_activations.reduce((a, b) => a * b, 1);
      return whole && allEqual(activations, first) && allEqual(labels, first) && revision === `variant-${first}`
        ? first
        : 'broken';
    } finally {
      await store.close();
    }
  } catch {
    return 'broken';
  }
}

/** The state of `scenario`'s target in `work`. */
export async function stateOf(scenario: Scenario, work: string): Promise<TargetState> {
  const target = join(work, TARGETS[scenario]);
  if (scenario === 'model') return modelState(target);
  if (scenario === 'checkpoint') return checkpointState(target);
  return storeState(target, scenario);
}

const OWN_FILES: Partial<Record<Scenario, string[]>> = {
  model: ['model.json', 'weights.bin'],
  checkpoint: ['last.ckpt'],
  npy: ['hidden_state_activations.npy', 'metadata.json', 'start_positions.npy'],
};

/** Files in `work` (and inside a directory target) that a completed write should not have left; empty when clean. */
export async function debrisIn(scenario: Scenario, work: string): Promise<string[]> {
  const name = TARGETS[scenario];
  const debris = (await readdir(work)).filter((n) => n !== name);
  const own = OWN_FILES[scenario];
  if (own) {
    const inside = (await readdir(join(work, name))).sort();
    debris.push(...inside.filter((n) => !own.includes(n)).map((n) => `${name}/${n}`));
  }
  return debris;
}

/** Start tf on the CPU backend (the readers above need a backend for loadModel). */
export async function startTf(): Promise<void> {
  await tf.setBackend('cpu');
}
