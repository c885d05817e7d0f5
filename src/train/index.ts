/** Training: the loop, checkpoints, resume, early stopping (browser-safe; Node adds `CheckpointDirectory`). */
export * from './batch-source.js';
export * from './checkpoint-format.js';
export * from './checkpoint-store.js';
export * from './optimizer-state.js';
export * from './trainer-state.js';
export * from './trainer.js';
export * from './seeded-random.js';
export * from './checkpoint-weights.js';
