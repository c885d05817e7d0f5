/** The trainer's serialisable state: where it is in the data, what it has seen, what is best so far. */

/** What one finished epoch produced. */
export interface EpochSummary {
  /** 1-based number of the finished epoch. */
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  /** Dev metrics returned by the evaluator after the epoch (empty without one). */
  metrics: Record<string, number>;
}

/** Everything needed to continue training exactly where it stopped (besides weights and optimizer state). */
export interface TrainerState {
  /** Describes the model's weights and the data's epoch size; a resume with another fingerprint is refused. */
  fingerprint: string;
  /** Epoch (0-based) of the next batch to train on. */
  epoch: number;
  /** Index within that epoch of the next batch. */
  batch: number;
  /** Optimizer steps taken so far. */
  step: number;
  /** Sum and count of the batch losses of the current epoch so far (for its mean). */
  lossSum: number;
  lossCount: number;
  /** Summaries of the finished epochs. */
  history: EpochSummary[];
  /** Best monitored dev metric so far and the epoch (1-based) that reached it. */
  best: { metric: string; value: number; epoch: number } | null;
  /** Finished epochs since the monitored metric last improved. */
  epochsWithoutImprovement: number;
  /** True once early stopping ended the run. */
  stopped: boolean;
}

/** A fresh state for a model/data fingerprint. */
export function initialTrainerState(fingerprint: string): TrainerState {
  return {
    fingerprint,
    epoch: 0,
    batch: 0,
    step: 0,
    lossSum: 0,
    lossCount: 0,
    history: [],
    best: null,
    epochsWithoutImprovement: 0,
    stopped: false,
  };
}
