/**
 * Batching: batches carry the right examples and labels (checked against the Python-written fixture values),
 * orders are deterministic permutations, prefetch is bounded and overlaps the consumer, and the tf.data
 * dataset trains with model.fitDataset without leaking tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epochOrder } from '../../src/data/dataset.js';
import {
  InvalidArgumentError,
  openStore,
  storeBatches,
  storeBatchSource,
  storeDataset,
  type ActivationStore,
  type StoreBatch,
  type StoreArray,
} from '../../src/index.node.js';
import { useBackend } from '../helpers/backends.js';
import { expectedBytes, FIXTURES, manifest } from '../store/fixtures.js';

const fixture = manifest.stores.find((s) => s.path === 'store_npy')!;
const expectedActivations = new Float32Array(
  expectedBytes(fixture.tensors['hidden_state_activations']!).buffer.slice(0),
);
const expectedInt = (name: string): Int32Array => new Int32Array(expectedBytes(fixture.tensors[name]!).buffer.slice(0));
const PER = 3 * 4 * 2;

let store: ActivationStore;
beforeAll(async () => {
  store = await openStore(join(FIXTURES, 'store_npy'));
});
afterAll(async () => {
  await store.close();
});

async function collect(it: AsyncIterable<StoreBatch>): Promise<StoreBatch[]> {
  const out: StoreBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('storeBatches', () => {
  it('binary batches hold the right examples and is_impossible labels', async () => {
    const batches = await collect(storeBatches(store, { batchSize: 2, labels: 'binary', shuffle: { seed: 7 } }));
    expect(batches.map((b) => b.indices.length)).toEqual([2, 2, 1]);
    expect(batches.flatMap((b) => b.indices).sort()).toEqual([0, 1, 2, 3, 4]);
    const impossible = expectedInt('is_impossible');
    for (const b of batches) {
      expect(b.shape).toEqual([b.indices.length, 3, 4, 2]);
      b.indices.forEach((example, k) => {
        expect(b.x.subarray(k * PER, (k + 1) * PER)).toEqual(
          expectedActivations.subarray(example * PER, (example + 1) * PER),
        );
        expect(b.noAnswer![k]).toBe(impossible[example]);
      });
    }
  });

  it('span batches carry start/end; dropRemainder drops the short batch', async () => {
    const batches = await collect(storeBatches(store, { batchSize: 2, labels: 'span', dropRemainder: true }));
    expect(batches.map((b) => b.indices)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(batches.flatMap((b) => [...b.start!])).toEqual([...expectedInt('start_positions').subarray(0, 4)]);
    expect(batches.flatMap((b) => [...b.end!])).toEqual([...expectedInt('end_positions').subarray(0, 4)]);
  });

  it('orders are deterministic permutations; epochs differ; buffer mode too', () => {
    const full = (epoch: number): number[] => epochOrder(1000, { shuffle: { seed: 3 }, epoch });
    expect(full(0)).toEqual(full(0));
    expect(full(0)).not.toEqual(full(1));
    expect([...full(1)].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const buffered = epochOrder(1000, { shuffle: { seed: 3, mode: 'buffer', bufferSize: 16 } });
    expect([...buffered].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(buffered).not.toEqual(full(0));
    // a buffer of 16 keeps every example within 16 + (its draw) of its position early on: no example 900 first
    expect(buffered[0]!).toBeLessThan(16);
    expect(epochOrder(5, { indices: [4, 2] })).toEqual([4, 2]);
  });

  it('prefetches a bounded number of batches while the consumer works', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let started = 0;
    const slow: ActivationStore = {
      ...store,
      tensors: store.tensors,
      activations: store.activations,
      numExamples: store.numExamples,
      path: store.path,
      read: store.read.bind(store),
      readIndices: async (name: string, indices: readonly number[], out?: StoreArray) => {
        inFlight++;
        started++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        const result = await store.readIndices(name, indices, out);
        inFlight--;
        return result;
      },
    };
    const iterator = storeBatches(slow, { batchSize: 1, prefetch: 2 });
    await iterator.next();
    await new Promise((r) => setTimeout(r, 30)); // consumer "computes": reads continue in the background
    expect(started).toBe(3); // the batch handed out + 2 read ahead while the consumer works
    for await (const _ of iterator) void _;
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(started).toBe(5);
  });

  it('rejects bad options and missing labels with typed errors', async () => {
    await expect(collect(storeBatches(store, { batchSize: 0 }))).rejects.toThrow(InvalidArgumentError);
    await expect(collect(storeBatches(store, { batchSize: 1, indices: [9] }))).rejects.toThrow(/outside 0..4/);
    const bare = await openStore(join(FIXTURES, 'activations.npy'));
    await expect(collect(storeBatches(bare, { batchSize: 1, labels: 'span' }))).rejects.toThrow(/start_positions/);
    await expect(collect(storeBatches(bare, { batchSize: 1, labels: 'binary' }))).rejects.toThrow(/is_impossible/);
    await bare.close();
  });
});

describe('storeDataset', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('yields tensors with the right labels and trains with fitDataset without leaks', async () => {
    const before = tf.memory().numTensors;
    const dataset = storeDataset(store, { batchSize: 2, labels: 'binary', shuffle: { seed: 1 } });
    const seen: number[][] = [];
    await dataset.forEachAsync((b) => {
      const ys = b.ys as tf.Tensor;
      expect(b.xs.shape.slice(1)).toEqual([3, 4, 2]);
      const classes = ys.argMax(-1);
      seen.push(Array.from(classes.dataSync()));
      tf.dispose([b.xs, ys, classes]);
    });
    expect(seen.flat().sort()).toEqual([...expectedInt('is_impossible')].sort());
    expect(tf.memory().numTensors).toBe(before);

    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [3, 4, 2] }), tf.layers.dense({ units: 2, activation: 'softmax' })],
    });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const withModel = tf.memory().numTensors;
    const history = await model.fitDataset(dataset as unknown as tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>, {
      epochs: 2,
      verbose: 0,
    });
    expect(history.history['loss']).toHaveLength(2);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(withModel + 2); // optimizer state only
    model.dispose();
  });

  it('span ys are keyed by the output names', async () => {
    const dataset = storeDataset(store, { batchSize: 5, labels: 'span', spanOutputs: ['s', 'e'] });
    const it = await dataset.iterator();
    const { value } = await it.next();
    const ys = value.ys as Record<string, tf.Tensor>;
    expect(Array.from(ys['s']!.dataSync())).toEqual([...expectedInt('start_positions')]);
    expect(Array.from(ys['e']!.dataSync())).toEqual([...expectedInt('end_positions')]);
    tf.dispose([value.xs, ys['s']!, ys['e']!]);
  });

  it('storeBatchSource resumes mid-epoch with exactly the batches of a full pass', async () => {
    const source = storeBatchSource(store, { batchSize: 2, labels: 'span', shuffle: { seed: 5 }, spanOneHot: true });
    expect(source.batchesPerEpoch()).toBe(3);
    const sizes = async (epoch: number, start: number): Promise<number[][]> => {
      const out: number[][] = [];
      for await (const b of source.batches(epoch, start)) {
        const [start_, end] = b.ys as tf.Tensor[];
        expect(start_!.shape).toEqual([b.size, 3]);
        const startIndex = start_!.argMax(-1);
        out.push([...(b.xs as tf.Tensor).dataSync().subarray(0, 4), ...startIndex.dataSync(), ...end!.shape]);
        tf.dispose([b.xs, startIndex, ...(b.ys as tf.Tensor[])]);
      }
      return out;
    };
    const before = tf.memory().numTensors;
    const full = await sizes(1, 0);
    expect(await sizes(1, 1)).toEqual(full.slice(1));
    expect(tf.memory().numTensors).toBe(before);
    expect(() => storeBatchSource(store, { batchSize: 2 })).toThrow(InvalidArgumentError);
  });
});
