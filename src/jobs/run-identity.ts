/**
 * What makes a training run the run it is, for the resume fingerprint (src/train/trainer.ts): the stores (path,
 * size, tensor shapes and dtypes, metadata, a CRC-32 of the training labels) and every option that shapes the
 * result. The epoch count is left out on purpose (resuming to train longer is the point of `--resume`), and so is
 * the checkpoint interval (resume is exact whatever it is). The matrix product precision is part of it when it is not
 * the default fp32 (`matmul: 'bf16'`): a resume with another precision is refused, and runs checkpointed before the
 * option existed (all fp32) still resume.
 */
import { stat } from 'node:fs/promises';
import type { ActivationStore } from '../store/store.js';
import type { TrainingLabels } from '../store/training-labels.js';
import { crc32 } from '../train/crc32.js';

/** The `trainHead` options that shape a run (src/jobs/train.ts's TrainHeadOptions; restated to keep imports one-way). */
export interface RunShapingOptions {
  architecture: string;
  adapterDim?: number;
  learningRate?: number;
  shuffle?: string;
  monitor?: string;
  patience?: number;
  decode?: object;
  squadFile?: string;
  /** Precision of the large matrix products (src/backend/kernels/native-matmul.ts). Default fp32. */
  matmul?: string;
}

async function storeIdentity(store: ActivationStore, labels?: TrainingLabels): Promise<Record<string, unknown>> {
  const size = await stat(store.path).then(
    (s) => (s.isFile() ? s.size : null),
    () => null,
  );
  const tensors = Object.fromEntries(
    Object.entries(store.tensors).map(([name, t]) => [name, `${t.dtype}[${t.shape.join(',')}]`]),
  );
  const labelsCrc32 = labels
    ? Object.fromEntries(
        Object.entries(labels).map(([name, values]) => [
          name,
          crc32(new Uint8Array(values.buffer, 0, values.byteLength)),
        ]),
      )
    : undefined;
  return { path: store.path, bytes: size, tensors, metadata: store.metadata ?? null, labelsCrc32 };
}

/** The run identity of a `trainHead` call, with the defaults it resolved (batch size, seed). */
export async function runIdentityOf(
  options: RunShapingOptions,
  resolved: { batchSize: number; seed: number },
  train: ActivationStore,
  labels: TrainingLabels,
  dev: ActivationStore | undefined,
): Promise<Record<string, unknown>> {
  return {
    architecture: options.architecture,
    adapterDim: options.adapterDim ?? null,
    batchSize: resolved.batchSize,
    learningRate: options.learningRate ?? 1e-3,
    seed: resolved.seed,
    shuffle: options.shuffle ?? 'full',
    monitor: options.monitor ?? 'f1',
    patience: options.patience ?? null,
    decode: options.decode ?? null,
    trainStore: await storeIdentity(train, labels),
    devStore: dev ? await storeIdentity(dev) : null,
    squadFile: options.squadFile ?? null,
    ...(options.matmul !== undefined && options.matmul !== 'fp32' ? { matmul: options.matmul } : {}),
  };
}
