/**
 * The wasm backend's Identity and same-dtype Cast share their input's memory (src/backend/kernels/shared-identity.ts):
 * the values are the input's, disposing either tensor leaves the other readable, the heap memory is freed once with
 * the last of them, and gradients through clones (which tfjs' engine makes of every saved tensor) match the cpu
 * backend. Casts that change the dtype still convert.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/backends.js';

describe('shared Identity and Cast on the wasm backend', () => {
  it('shares memory: disposal of either tensor leaves the other intact, and frees it with the last', async () => {
    await useBackend('wasm');
    const start = tf.memory();
    const x = tf.tensor([1.5, -2, 3.25, 4], [2, 2]);
    const afterX = tf.memory().numBytes;
    const y = tf.clone(x);
    const z = tf.cast(x, 'float32');
    const backend = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } };
    expect(backend.dataIdMap.get(y.dataId).memoryOffset).toBe(backend.dataIdMap.get(x.dataId).memoryOffset);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3.25, 4]);
    y.dispose();
    expect(Array.from(z.dataSync())).toEqual([1.5, -2, 3.25, 4]);
    expect(tf.memory().numBytes).toBeLessThanOrEqual(afterX);
    z.dispose();
    expect(tf.memory().numTensors).toBe(start.numTensors);
    expect(tf.memory().numBytes).toBe(start.numBytes);
  });

  it('still converts when the dtype changes', async () => {
    await useBackend('wasm');
    const x = tf.tensor([1.7, -2.2, 3], [3]);
    const i = tf.cast(x, 'int32');
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([1, -2, 3]);
    tf.dispose([x, i]);
  });

  it('gradients through saved (cloned) tensors match the cpu backend', async () => {
    const run = (): number[] =>
      tf.tidy(() => {
        const x = tf.tensor([
          [0.5, -1],
          [2, -0.25],
        ]);
        const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.relu(a)), tf.clone(a))))([x]);
        return Array.from(dx!.dataSync());
      });
    await useBackend('cpu');
    const want = run();
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const got = run();
    expect(tf.memory().numTensors).toBe(before);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });
});
