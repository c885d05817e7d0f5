/**
 * One optimizer step on a batch, as {@link fit} takes it: `model.trainOnBatch`, or, for an `adapter-<A>` span head on a
 * backend with the fused kernels, the same step with the head's adapter, activation and logits as one op
 * (src/layers/adapter-span-head.ts). The fused step computes the model's loss functions on the same outputs and lets
 * the model's optimizer update the same variables, so the two are interchangeable from one step to the next
 * (checkpoints, optimizer state, resume); the logits differ from the layers' only in float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { adapterGeluTanhSpanLogits, fusedAdapterHeadAvailable } from '../layers/adapter-span-head.js';

/** One training step on a batch; resolves to the total training loss (`trainOnBatch`'s first value). */
export type TrainStep = (xs: tf.Tensor | tf.Tensor[], ys: tf.Tensor | tf.Tensor[]) => Promise<number>;

/** The layers of a span head that the fused step replaces, and the variables it trains. */
interface FusableSpanHead {
  adapterKernel: tf.LayerVariable;
  adapterBias: tf.LayerVariable;
  headKernel: tf.LayerVariable;
  headBias: tf.LayerVariable;
  /** The two SelectChannel layers after the Dense: start logits, end logits. */
  outputs: [tf.layers.Layer, tf.layers.Layer];
}

const FUSABLE_LAYERS = ['InputLayer', 'AdapterPooler', 'Reshape', 'Dense', 'SelectChannel', 'SelectChannel'];

function onlyInput(layer: tf.layers.Layer): unknown {
  try {
    return layer.input;
  } catch {
    return undefined; // a layer called more than once has no single input
  }
}

/**
 * The parts of `model` when it is exactly input → shared tanh-GELU AdapterPooler → Reshape `[S, A·L]` → linear
 * Dense(2) with bias and no regularizer → channel 0 and channel 1 of its last axis as the two outputs (the span
 * builder's `start_logits`, `end_logits`), all four weights trainable and nothing else; otherwise null.
 */
export function fusableSpanHead(model: tf.LayersModel): FusableSpanHead | null {
  const layers = model.layers;
  if (layers.map((l) => l.getClassName()).join() !== FUSABLE_LAYERS.join()) return null;
  if (model.inputs.length !== 1 || model.outputs.length !== 2) return null;
  const [, adapter, reshape, dense, start, end] = layers as [unknown, ...tf.layers.Layer[]] as [
    unknown,
    tf.layers.Layer,
    tf.layers.Layer,
    tf.layers.Layer,
    tf.layers.Layer,
    tf.layers.Layer,
  ];
  const fedBy = [0, 1, 2, 3, 3];
  for (let i = 1; i < layers.length; i++) {
    if (onlyInput(layers[i]!) !== layers[fedBy[i - 1]!]!.output) return null;
  }
  if (model.outputs[0] !== start.output || model.outputs[1] !== end.output) return null;
  const channels = [start, end].map((l) => l.getConfig() as { index?: number; axis?: number });
  if (channels.some((c, i) => c.index !== i || c.axis !== -1)) return null;
  const a = adapter.getConfig() as { sharedWeights?: boolean; activation?: string; adapterDim?: number };
  if (a.sharedWeights !== true || a.activation !== 'gelu_tanh') return null;
  const inputShape = model.inputs[0]!.shape;
  const [S, L] = [inputShape[1], inputShape[3]];
  const r = reshape.getConfig() as { targetShape?: number[] };
  if (S == null || L == null || r.targetShape?.join() !== [S, (a.adapterDim ?? 0) * L].join()) return null;
  const d = dense.getConfig() as Record<string, unknown>;
  const plain = ['kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint'];
  if (d.units !== 2 || d.activation !== 'linear' || d.useBias !== true || plain.some((k) => d[k] != null)) return null;
  const [adapterKernel, adapterBias] = adapter.trainableWeights as [tf.LayerVariable, tf.LayerVariable];
  const [headKernel, headBias] = dense.trainableWeights as [tf.LayerVariable, tf.LayerVariable];
  const trained = new Set(model.trainableWeights);
  const ours = [adapterKernel, adapterBias, headKernel, headBias];
  if (trained.size !== 4 || !ours.every((w) => w !== undefined && trained.has(w))) return null;
  return { adapterKernel, adapterBias, headKernel, headBias, outputs: [start, end] };
}

function sameShape(a: readonly (number | null)[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === null || d === b[i]);
}

/**
 * The training step of `model` (compiled): the fused span-head step where {@link fusableSpanHead} finds the pattern
 * and the backend has the fused kernels for the batch, `model.trainOnBatch` otherwise (and for any batch the fused
 * step does not take as it is, so its errors are trainOnBatch's).
 * @example
 * ```ts
 * const step = trainStepFor(head);
 * const loss = await step(xs, [startOneHot, endOneHot]);
 * ```
 */
export function trainStepFor(model: tf.LayersModel): TrainStep {
  const layerwise: TrainStep = async (xs, ys) => {
    const result = await model.trainOnBatch(xs, ys);
    return Array.isArray(result) ? result[0]! : result;
  };
  const head = fusableSpanHead(model);
  if (head === null) return layerwise;
  return async (xs, ys) => {
    const inputShape = model.inputs[0]!.shape;
    if (
      !(xs instanceof tf.Tensor) ||
      !Array.isArray(ys) ||
      ys.length !== 2 ||
      !model.optimizer ||
      model.lossFunctions?.length !== 2 ||
      !sameShape(inputShape, xs.shape) ||
      !ys.every((y) => sameShape([xs.shape[0]!, xs.shape[1]!], y.shape)) ||
      !fusedAdapterHeadAvailable(xs)
    ) {
      return layerwise(xs, ys);
    }
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    // the loss as tfjs' trainOnBatch forms it: the per-example losses of the outputs added, then the batch mean
    const cost = model.optimizer.minimize(
      () => {
        const logits = adapterGeluTanhSpanLogits(
          xs,
          head.adapterKernel.read(),
          head.adapterBias.read(),
          head.headKernel.read(),
          head.headBias.read(),
        );
        const outputs = head.outputs.map((layer) => layer.apply(logits) as tf.Tensor);
        let total: tf.Tensor | undefined;
        model.lossFunctions.forEach((lossFunction, i) => {
          const loss = lossFunction(ys[i]!, outputs[i]!);
          total = total === undefined ? loss : tf.add(total, loss);
        });
        return tf.mean(total!);
      },
      true,
      variables,
    )!;
    const value = (await cost.data())[0]!;
    cost.dispose();
    return value;
  };
}
