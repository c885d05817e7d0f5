/**
 * How `saveModel` puts a model's two files on disk so that, at every instant (including after a SIGKILL or a failed
 * write), `loadModel(dir)` returns either the complete old model or the complete new one. `model.json` is the commit
 * point: weights are always written under a name the current `model.json` does not reference, then `model.json` is
 * replaced atomically to reference them.
 *
 * Replacing a model: (1) new weights → `weights.next.bin`; (2) `model.json` → references `weights.next.bin` (the
 * commit: from here the new model loads); (3) new weights → `weights.bin`; (4) `model.json` → references
 * `weights.bin`; (5) `weights.next.bin` removed. Each file write is temp + fsync + rename. A save interrupted after
 * (2) leaves a complete new model referencing `weights.next.bin`; the next save stages into `weights.bin` instead
 * and ends in the standard layout. A new directory is filled beside the target and renamed into place.
 * Writers are serialised by a path lock (a second one gets an InUseError); test/faults/ injects EIO, ENOSPC and
 * SIGKILL at every write, fsync, rename and mkdir of this protocol.
 */
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { createDirectoryAtomically, removeStaleSiblings, writeFileDurable } from '../platform/atomic-dir.js';
import { removeStaleTempFiles, syncDirectory, writeFileAtomic } from '../platform/atomic-file.js';
import { asFileError, errnoOf } from '../platform/file-errors.js';
import { lockPath } from '../platform/path-lock.js';

/** File name of the topology + manifest (the commit point). */
export const MODEL_JSON = 'model.json';
/** File name of the concatenated weights. */
export const WEIGHTS_BIN = 'weights.bin';
/** Where new weights are staged while the old `model.json` still references `weights.bin`. */
const STAGED_WEIGHTS = 'weights.next.bin';
/** Names an interrupted first save into an empty directory may leave there (weights, temp files). */
const OWN_FILE = /^(weights\.bin|weights\.next\.bin|\.(model\.json|weights\.bin|weights\.next\.bin)\.tmp-.*)$/;

/** The files of one model: its weights and its `model.json` text for a given weights file name. */
export interface ModelFiles {
  weights: Uint8Array;
  modelJson: (weightsFile: string) => string;
}

async function kindOf(path: string): Promise<'missing' | 'directory' | 'other'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'other';
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return 'missing';
    throw asFileError(error, path, 'inspect the model directory');
  }
}

/** Weight file names the current `model.json` references (empty when it is missing or unreadable). */
async function referencedFiles(dir: string): Promise<Set<string>> {
  try {
    const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as {
      weightsManifest?: { paths?: unknown[] }[];
    };
    return new Set((json.weightsManifest ?? []).flatMap((g) => (g.paths ?? []).map(String)));
  } catch {
    return new Set();
  }
}

/** An earlier bertvision swapped directories via `.<name>.old-*`/model: put such an orphaned model back. */
async function recoverSwappedOut(target: string): Promise<void> {
  const parent = dirname(target);
  const prefix = `.${basename(target)}.old-`;
  for (const name of (await readdir(parent)).filter((n) => n.startsWith(prefix))) {
    const orphan = join(parent, name, 'model');
    if ((await kindOf(target)) === 'missing' && (await kindOf(join(orphan, MODEL_JSON))) === 'other') {
      await rename(orphan, target);
    }
    await rm(join(parent, name), { recursive: true, force: true });
  }
}

async function replaceInPlace(dir: string, files: ModelFiles): Promise<void> {
  for (const name of [MODEL_JSON, WEIGHTS_BIN, STAGED_WEIGHTS]) await removeStaleTempFiles(dir, name);
  const referenced = await referencedFiles(dir);
  const staging = referenced.has(STAGED_WEIGHTS) ? WEIGHTS_BIN : STAGED_WEIGHTS;
  if (referenced.has(staging)) {
    throw new InvalidArgumentError(`${MODEL_JSON} references both ${WEIGHTS_BIN} and ${STAGED_WEIGHTS}`, {
      file: join(dir, MODEL_JSON),
    });
  }
  try {
    await writeFileAtomic(join(dir, staging), files.weights);
    await writeFileAtomic(join(dir, MODEL_JSON), files.modelJson(staging));
  } catch (error) {
    if (staging === STAGED_WEIGHTS) await rm(join(dir, staging), { force: true }).catch(() => undefined);
    throw error;
  }
  // Committed: the new model loads. What follows only restores the standard layout; a failure here leaves a
  // complete model referencing weights.next.bin, which the next save normalises.
  try {
    if (staging === STAGED_WEIGHTS) {
      await writeFileAtomic(join(dir, WEIGHTS_BIN), files.weights);
      await writeFileAtomic(join(dir, MODEL_JSON), files.modelJson(WEIGHTS_BIN));
    }
    await rm(join(dir, STAGED_WEIGHTS), { force: true });
    await syncDirectory(dir);
  } catch {
    // Best effort, see above.
  }
}

/**
 * Write `files` as the model directory `target` (absolute), creating its parents, replacing a saved model there.
 * @throws InUseError when another save of `target` is running; InvalidArgumentError when `target` is a file or a
 *   directory that is neither empty nor a saved model; FileAccessError naming the file and the problem when the
 *   system refuses a write (the previous model stays loadable).
 */
export async function commitModelFiles(target: string, files: ModelFiles): Promise<void> {
  const parent = dirname(target);
  try {
    await mkdir(parent, { recursive: true });
  } catch (error) {
    throw new InvalidArgumentError(`cannot create the parent directory (${(error as Error).message})`, {
      file: parent,
      cause: error,
    });
  }
  const lock = await lockPath(target, 'model directory');
  try {
    await removeStaleSiblings(target);
    await recoverSwappedOut(target);
    const kind = await kindOf(target);
    if (kind === 'other') throw new InvalidArgumentError('exists and is not a directory', { file: target });
    if (kind === 'missing') {
      await createDirectoryAtomically(target, async (temp) => {
        await writeFileDurable(join(temp, WEIGHTS_BIN), files.weights);
        await writeFileDurable(join(temp, MODEL_JSON), files.modelJson(WEIGHTS_BIN));
      });
      return;
    }
    const entries = await readdir(target).catch((error: unknown) => {
      throw asFileError(error, target, 'list the model directory');
    });
    const foreign = entries.filter((name) => !OWN_FILE.test(name));
    if (foreign.length > 0 && (await kindOf(join(target, MODEL_JSON))) !== 'other') {
      throw new InvalidArgumentError('exists and is not a saved model; refusing to replace it', { file: target });
    }
    await replaceInPlace(target, files);
  } finally {
    await lock.release();
  }
}
