/**
 * predictStore with `indices`: the outputs for the windows asked for, in that order, equal the model's own predict on
 * the activations numpy wrote for those windows (test/fixtures/io, the expected float32 bytes of the float16 store).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBinaryAdapter, openStore, predictStore } from '../../src/index.node.js';
import { useBackend } from '../helpers/backends.js';
import { expectedBytes, FIXTURES, manifest } from '../store/fixtures.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('predictStore', () => {
  it('predicts only the indices asked for, in their order', async () => {
    const fixture = manifest.stores.find((s) => s.path === 'store.safetensors')!;
    const t = fixture.tensors['hidden_state_activations']!;
    const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
    const bytes = expectedBytes(t);
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const model = buildBinaryAdapter('tenney-small', { inputShape: t.shape.slice(1) as [number, number, number] });
    const store = await openStore(join(FIXTURES, fixture.path));
    try {
      const indices = [4, 0, 2];
      const out = await predictStore(model, store, { batchSize: 2, indices });
      expect(out.task).toBe('binary');
      const x = tf.tensor(Float32Array.from(indices.flatMap((i) => [...all.subarray(i * per, (i + 1) * per)])), [
        indices.length,
        ...t.shape.slice(1),
      ]);
      const y = model.predict(x) as tf.Tensor;
      const want = Array.from(await y.data());
      tf.dispose([x, y]);
      const got = Array.from((out as { logits: Float32Array }).logits);
      expect(got).toHaveLength(want.length);
      // the fixture holds ±inf on purpose, so some windows give NaN logits: those must be NaN on both sides
      got.forEach((v, i) => (Number.isNaN(want[i]!) ? expect(v).toBeNaN() : expect(v).toBeCloseTo(want[i]!, 5)));
      expect(want.filter(Number.isFinite).length).toBeGreaterThan(0);
    } finally {
      await store.close();
      model.dispose();
    }
  });
});
