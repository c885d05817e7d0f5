/**
 * tfjs callbacks in `fit`: `tf.callbacks.earlyStopping(...)`, a `tf.CustomCallback`, a plain
 * `{ onEpochEnd(epoch, logs) { … } }` object, or tfjs-vis' `show.fitCallbacks(...)`, called as `model.fit` calls
 * them. Epoch logs hold the epoch's mean training `loss` and every dev metric as `val_<name>` (Keras' names:
 * `tf.callbacks.earlyStopping({ monitor: 'val_f1', mode: 'max' })`); batch logs hold `batch`, `size` and `loss`.
 * A callback that sets `model.stopTraining = true` stops the run at the end of that epoch, which is recorded in the
 * checkpoint (a resumed run stays stopped).
 */
import * as tf from '@tensorflow/tfjs';

/** One callback: a tfjs `Callback` / `CustomCallback`, or the object of hooks `tf.CustomCallback` takes. */
export type FitCallback = tf.Callback | tf.CustomCallback | tf.CustomCallbackArgs;

type Listed = ConstructorParameters<typeof tf.CallbackList>[0] extends (infer T)[] | undefined ? T : never;

function isCallback(c: FitCallback): c is tf.Callback | tf.CustomCallback {
  return typeof (c as { setModel?: unknown }).setModel === 'function';
}

/** The callbacks of one {@link fit} run, with the model and the run's parameters set. */
export class FitCallbacks {
  private readonly list: tf.CallbackList;

  constructor(
    model: tf.LayersModel,
    callbacks: FitCallback | readonly FitCallback[] | undefined,
    params: { epochs: number; initialEpoch: number; steps: number; doValidation: boolean },
  ) {
    const given = callbacks === undefined ? [] : Array.isArray(callbacks) ? callbacks : [callbacks as FitCallback];
    this.list = new tf.CallbackList(
      given.map((c) => (isCallback(c) ? c : new tf.CustomCallback(c, 'never')) as unknown as Listed),
    );
    this.list.setModel(model);
    this.list.setParams({ ...params, verbose: 0, metrics: ['loss'] });
  }

  /** Before the first epoch of this run. */
  trainBegin(): Promise<void> {
    return this.list.onTrainBegin({});
  }

  /** Before the first batch of `epoch` (0-based). */
  epochBegin(epoch: number): Promise<void> {
    return this.list.onEpochBegin(epoch, {});
  }

  /** Around batch `batch` (0-based within its epoch). */
  batchBegin(batch: number, size: number): Promise<void> {
    return this.list.onBatchBegin(batch, { batch, size });
  }

  /** After batch `batch`, with its loss. */
  batchEnd(batch: number, size: number, loss: number): Promise<void> {
    return this.list.onBatchEnd(batch, { batch, size, loss });
  }

  /** After `epoch` (0-based): its mean loss and dev metrics (as `val_<name>`). */
  epochEnd(epoch: number, loss: number, metrics: Record<string, number>): Promise<void> {
    const logs: Record<string, number> = { loss };
    for (const [name, value] of Object.entries(metrics)) logs[`val_${name}`] = value;
    return this.list.onEpochEnd(epoch, logs);
  }

  /** After the last epoch of this run. */
  trainEnd(): Promise<void> {
    return this.list.onTrainEnd({});
  }
}
