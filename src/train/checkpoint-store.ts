/** Where the trainer keeps checkpoints. `jobs/` provides a directory implementation (`CheckpointDirectory`). */

/** Which checkpoint: the most recent one (to resume) or the best one by the monitored dev metric. */
export type CheckpointKind = 'last' | 'best';

/** Storage for encoded checkpoints. Implementations must make `save` atomic: a crash never leaves a partial file. */
export interface CheckpointStore {
  /** Store the checkpoint made of `chunks` (written in order) as `kind`, replacing the previous one atomically. */
  save(kind: CheckpointKind, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void>;
  /** The stored bytes of `kind` and a description of where they came from, or null when there is none. */
  load(kind: CheckpointKind): Promise<{ bytes: Uint8Array; location: string } | null>;
}
