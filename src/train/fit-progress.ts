/** The line `fit` prints after every epoch unless it is told to be quiet. */
import type { EpochSummary } from './trainer-state.js';

/** Format a number for a progress line: integers as they are, others to 4 significant decimals. */
const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(4));

/**
 * `epoch 2/3 · loss 0.4123 · dev accuracy 0.7100, f1 0.6512 · 1.9 s`: an epoch's summary as one line, the way
 * Keras' `verbose=1` reports an epoch.
 */
export function epochProgressLine(summary: EpochSummary, epochs: number, seconds: number): string {
  const metrics = Object.entries(summary.metrics).map(([k, v]) => `${k} ${num(v)}`);
  const parts = [`epoch ${summary.epoch}/${epochs}`, `loss ${num(summary.loss)}`];
  if (metrics.length) parts.push(`dev ${metrics.join(', ')}`);
  parts.push(`${seconds.toFixed(1)} s`);
  return parts.join(' · ');
}
