/** Types of test/faults/driver.mjs (the writer the fault suite runs under strace). */
import type * as tf from '@tensorflow/tfjs';

/** A write the suite breaks: saveModel, a checkpoint save, or one of the three store writers. */
export type Scenario = 'model' | 'checkpoint' | 'safetensors' | 'npy' | 'hdf5';
export const STORE_SHAPES: { hidden_state_activations: number[]; start_positions: number[] };
export const CHECKPOINT_CHUNK: number;
export const TARGETS: Record<Scenario, string>;
export function modelOf(variant: number): tf.Sequential;
export function metadataOf(variant: number): Record<string, unknown>;
export function write(scenario: Scenario, work: string, variant: number): Promise<void>;
