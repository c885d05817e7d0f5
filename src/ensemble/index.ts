/** Ensembles: combine span models' windows, gate span answers with a binary answerability head. Re-exports only. */
export * from './combine.js';
export * from './answerability-gate.js';
export * from './combine-tensors.js';
