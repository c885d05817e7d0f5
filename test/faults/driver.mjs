// The writer that test/faults/run.ts runs under strace: one write of one scenario, values all `variant`.
// Plain ESM on the built package (dist/), so that each of the suite's hundreds of runs starts in about a second.
// Prints one JSON line: {"ok":true} or {"ok":false,"code":...,"message":...}; exit 0 / 1.
import * as tf from '@tensorflow/tfjs';
import { CheckpointDirectory, createStoreWriter, saveModel } from '../../dist/index.node.js';

/** Shapes of the stores the scenarios write (2 tensors, 3 examples). */
export const STORE_SHAPES = { hidden_state_activations: [3, 2, 4, 1], start_positions: [3] };
/** Bytes of the checkpoint the checkpoint scenario writes, in three chunks. */
export const CHECKPOINT_CHUNK = 3000;
/** Target name of each scenario inside the work directory. */
export const TARGETS = {
  model: 'model',
  checkpoint: 'ckpt',
  safetensors: 'store.safetensors',
  npy: 'store-npy',
  hdf5: 'store.h5',
};

/** A small dense model whose every weight is `variant`. */
export function modelOf(variant) {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 3, inputShape: [4] }), tf.layers.dense({ units: 2 })],
  });
  model.setWeights(model.getWeights().map((w) => tf.fill(w.shape, variant)));
  return model;
}

/** Store metadata that agrees with {@link STORE_SHAPES}; `model_revision` carries the variant. */
export function metadataOf(variant) {
  return {
    format: 'bertvision-activations',
    version: 1,
    model_id: 'faults/driver',
    model_revision: `variant-${variant}`,
    tokenizer_id: 'faults/driver',
    max_seq_length: 2,
    doc_stride: 1,
    max_query_length: null,
    positions: 'all',
    channels: ['layer_1'],
    dtype: 'float32',
  };
}

/** Write `scenario`'s target in `work` with every value `variant`. */
export async function write(scenario, work, variant) {
  const target = `${work}/${TARGETS[scenario]}`;
  if (scenario === 'model') {
    await saveModel(modelOf(variant), target);
  } else if (scenario === 'checkpoint') {
    const chunk = new Uint8Array(CHECKPOINT_CHUNK).fill(variant);
    await new CheckpointDirectory(target).save('last', [chunk, chunk, chunk]);
  } else {
    const format = scenario === 'hdf5' ? 'hdf5' : scenario;
    const writer = await createStoreWriter(target, {
      format,
      shapes: STORE_SHAPES,
      dtype: 'float32',
      metadata: scenario === 'npy' ? metadataOf(variant) : undefined,
    });
    await writer.append({
      hidden_state_activations: new Float32Array(3 * 8).fill(variant),
      start_positions: new Int32Array(3).fill(variant),
    });
    await writer.finish();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [scenario, work, variant] = process.argv.slice(2);
  await tf.setBackend('cpu');
  try {
    await write(scenario, work, Number(variant));
    process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, code: error?.code, message: String(error?.message) })}\n`);
    process.exitCode = 1;
  }
}
