/**
 * File access for SQuAD evaluation in Node: read a JSON file with errors that name the file and the problem, read
 * an na_prob file in key order, and write outputs atomically (temp file in the same folder, then rename).
 */
import { FileFormatError } from '../errors.js';
import { parseNaProbs } from '../squad/metric/na-probs.js';
import type { NaProbEntry } from '../squad/metric/official-eval.js';
import { writeFileAtomic } from '../platform/atomic-file.js';
import { readRegularFile } from '../platform/regular-file.js';

/** Largest JSON input read (SQuAD train-v2.0.json is 42 MB), counted in bytes actually read. */
const MAX_JSON_BYTES = 1 << 30;

/**
 * Read a regular file as UTF-8 text (a FIFO or device is refused before it is opened; see
 * src/platform/regular-file.ts).
 * @throws FileAccessError naming the file and the problem when it cannot be read (missing, no permission);
 *   FileFormatError when it is not a regular file or over 1 GiB.
 */
export async function readTextFile(path: string): Promise<string> {
  return (await readRegularFile(path, MAX_JSON_BYTES)).toString('utf8');
}

/**
 * Read and parse a JSON file.
 * @throws FileFormatError naming the file when it is not valid JSON (truncated, empty, …).
 */
export async function readJsonFile(path: string): Promise<unknown> {
  const text = await readTextFile(path);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FileFormatError(`not valid JSON (${(error as Error).message})`, { file: path, cause: error });
  }
}

/**
 * Read a JSON object whose values are all strings (a predictions file: qid → answer text).
 * @throws FileFormatError when it is not such an object.
 */
export async function readStringMapFile(path: string): Promise<Record<string, string>> {
  const json = await readJsonFile(path);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FileFormatError('expected a JSON object mapping question ids to answer strings', { file: path });
  }
  for (const [qid, value] of Object.entries(json)) {
    if (typeof value !== 'string')
      throw new FileFormatError(`the prediction for ${qid} is not a string`, { file: path });
  }
  return json as Record<string, string>;
}

/** Read an na_prob / null-odds file in file key order (see {@link parseNaProbs}). */
export async function readNaProbFile(path: string): Promise<NaProbEntry[]> {
  return parseNaProbs(await readTextFile(path), path);
}

/**
 * Write `text` to `path` atomically (see `writeFileAtomic`).
 * @throws FileAccessError naming the file and the problem when it cannot be written (missing folder, permission
 *   denied, is a directory, no space left).
 */
export async function writeTextFileAtomic(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text);
}
