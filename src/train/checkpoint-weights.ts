/** Put the model weights of a stored checkpoint (e.g. the best one) into a model, without touching its optimizer. */
import type * as tf from '@tensorflow/tfjs';
import { FileFormatError, MismatchError } from '../errors.js';
import { decodeCheckpoint } from './checkpoint-format.js';
import type { CheckpointKind, CheckpointStore } from './checkpoint-store.js';
import type { TrainerState } from './trainer-state.js';

/**
 * Load the weights of checkpoint `kind` from `store` into `model`.
 * @returns the checkpoint's trainer state (epoch, metrics…).
 * @throws FileFormatError when there is no such checkpoint or it is corrupt; MismatchError when its weights do not
 *   fit the model.
 */
export async function restoreModelWeights(
  model: tf.LayersModel,
  store: CheckpointStore,
  kind: CheckpointKind,
): Promise<TrainerState> {
  const stored = await store.load(kind);
  if (!stored) throw new FileFormatError(`no '${kind}' checkpoint`);
  const checkpoint = decodeCheckpoint(stored.bytes, stored.location);
  const tensors = checkpoint.modelWeights.map((w) => w.tensor);
  try {
    const shapes = model.weights.map((w) => w.shape.join('x'));
    const storedShapes = tensors.map((t) => t.shape.join('x'));
    if (shapes.join(',') !== storedShapes.join(',')) {
      throw new MismatchError(
        `checkpoint weights [${storedShapes.join(', ')}] do not fit the model's [${shapes.join(', ')}]`,
        { file: stored.location },
      );
    }
    model.setWeights(tensors);
  } finally {
    for (const t of [...tensors, ...checkpoint.optimizerState.map((w) => w.tensor)]) t.dispose();
  }
  return checkpoint.state;
}
