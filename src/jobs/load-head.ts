/** Load a saved head for use on a store, checking that the store is what the head was trained on. */
import type * as tf from '@tensorflow/tfjs';
import { checkModelFitsStore } from '../eval/predict-store.js';
import type { ExpectedMetadata } from '../store/metadata.js';
import type { ActivationStore } from '../store/store.js';
import { loadModel } from './model-files.js';

/**
 * Load the model saved in `dir` and check it against `store`: the example shape must equal the model's input
 * shape, and, when the model records the store metadata it was trained on (`bertvision train` does), the backbone
 * and windowing (`COMPATIBILITY_KEYS`) must match.
 * @throws MismatchError naming the store and the difference; the errors of `loadModel`.
 */
export async function loadHeadForStore(dir: string, store: ActivationStore): Promise<tf.LayersModel> {
  const model = await loadModel(dir);
  try {
    checkModelFitsStore(model, store);
    const expected = (model.getUserDefinedMetadata() as { bertvision_store?: ExpectedMetadata } | undefined)
      ?.bertvision_store;
    if (expected && Object.keys(expected).length > 0) store.checkMetadata(expected);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}
