/** Checkpoints in a directory: `last.ckpt` and `best.ckpt`, each replaced atomically. */
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CheckpointKind, CheckpointStore } from '../train/checkpoint-store.js';
import { removeStaleTempFiles, writeFileAtomic } from '../platform/atomic-file.js';
import { asFileError, errnoOf } from '../platform/file-errors.js';
import { lockPath } from '../platform/path-lock.js';

/** A {@link CheckpointStore} in a directory (created on first save). Interrupted writes leave no partial checkpoint. */
export class CheckpointDirectory implements CheckpointStore {
  /** Absolute path of the directory. */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Path of the checkpoint file of `kind`. */
  pathOf(kind: CheckpointKind): string {
    return join(this.dir, `${kind}.ckpt`);
  }

  /**
   * Replace the checkpoint of `kind` atomically (one writer at a time: a second gets an InUseError).
   * @throws FileAccessError naming the file and the problem when the system refuses the write.
   */
  async save(kind: CheckpointKind, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true }).catch((error: unknown) => {
      throw asFileError(error, this.dir, 'create the checkpoint directory');
    });
    const lock = await lockPath(this.pathOf(kind), 'checkpoint');
    try {
      await removeStaleTempFiles(this.dir, `${kind}.ckpt`);
      await writeFileAtomic(this.pathOf(kind), chunks);
    } finally {
      await lock.release();
    }
  }

  async load(kind: CheckpointKind): Promise<{ bytes: Uint8Array; location: string } | null> {
    const path = this.pathOf(kind);
    try {
      return { bytes: new Uint8Array(await fs.readFile(path)), location: path };
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return null;
      throw asFileError(error, path, 'read the checkpoint');
    }
  }
}
