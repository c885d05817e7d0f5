/**
 * `bertvision extract`: SQuAD questions → run_qa windows → an ONNX encoder (tools/onnx/export.py) → an activation
 * store, the same store `tools/extract/extract.py` writes, with no Python.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileFormatError, UsageError } from '../errors.js';
import { readRegularFile } from '../platform/regular-file.js';
import { extractActivations, storeFormatOf } from '../text/extract-activations.js';
import { loadOnnxEncoder } from '../text/load-encoder.node.js';
import { loadTokenizer } from '../text/load-tokenizer.node.js';
import type { OrtChoice } from '../text/onnx-runtime.js';
import { readSquadExamples } from '../text/squad-examples.js';
import type { CliCommand } from './command.js';
import { parseCommandLine } from './command-line.js';
import { choice, positiveInt } from './flags.js';
import { ProgressBar } from './progress.js';

const usage = `Usage: bertvision extract --model model.onnx --squad dev.json -o store [options]

Tokenise SQuAD 2.0 questions into run_qa.py windows, run an encoder exported by tools/onnx/export.py and write a
bertvision activation store (the same tensors and metadata as tools/extract/extract.py).

Options:
  --model FILE             ONNX encoder from tools/onnx/export.py (its FILE.json sidecar gives model id and sizes)
  --tokenizer FILE         HF tokenizer.json (default: tokenizer.json beside the model)
  --squad FILE             SQuAD 2.0-format JSON
  --split-file FILE        split file (e.g. data/squad-dev-split.json) to keep some articles
  --split-part NAME        part of the split file to keep: train or eval
  -o, --output PATH        store: *.safetensors, a directory (npy), or *.h5 (float32 only)
  --dtype TYPE             float16 (default) or float32
  --cls-only               keep only the CLS position (S=1), with the pooler output as channel 0 'pooled'
  --max-seq-length N       tokens per window (default 384)
  --doc-stride N           overlap between windows (default 128)
  --max-query-length N     cut questions after N tokens (default: no limit)
  --question-limit N       only the first N questions (after the split filter)
  --batch-size N           windows per encoder call (default 8)
  --append                 add to the store at --output when there is one: same settings required, questions it
                           already holds are skipped, the result replaces it atomically
  --runtime NAME           auto (default: onnxruntime-node when installed, else onnxruntime-web), node or web
  --model-id ID            model id to record (default: the sidecar's)
  --quiet                  no progress bar
  -h, --help               show this help
`;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Largest SQuAD or split file read (train-v2.0.json is 42 MB), counted in bytes actually read (so /dev/zero stops). */
const MAX_JSON_BYTES = 1 << 30;

/** The titles of one part of a split file, and the `source.split` entry tools/extract records for it. */
async function splitTitles(
  file: string,
  part: string,
): Promise<{ titles: Set<string>; split: { file: string; sha256: string; part: string } }> {
  const bytes = await readRegularFile(file, MAX_JSON_BYTES);
  let root: { parts?: Record<string, { titles?: unknown }> };
  try {
    root = JSON.parse(bytes.toString('utf8')) as typeof root;
  } catch (cause) {
    throw new FileFormatError(`not valid JSON (${(cause as Error).message})`, { file, cause });
  }
  const titles = root.parts?.[part]?.titles;
  if (!Array.isArray(titles))
    throw new FileFormatError(
      `no part '${part}' with a 'titles' list (parts: ${Object.keys(root.parts ?? {}).join(', ')})`,
      { file },
    );
  return { titles: new Set(titles.map(String)), split: { file: basename(file), sha256: sha256(bytes), part } };
}

/** The `extract` subcommand. */
export const extractCommand: CliCommand = {
  name: 'extract',
  summary: 'activation store from SQuAD questions with an ONNX encoder (no Python)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      model: { type: 'string' },
      tokenizer: { type: 'string' },
      squad: { type: 'string' },
      'split-file': { type: 'string' },
      'split-part': { type: 'string' },
      output: { type: 'string', short: 'o' },
      dtype: { type: 'string' },
      'cls-only': { type: 'boolean' },
      'max-seq-length': { type: 'string' },
      'doc-stride': { type: 'string' },
      'max-query-length': { type: 'string' },
      'question-limit': { type: 'string' },
      'batch-size': { type: 'string' },
      runtime: { type: 'string' },
      'model-id': { type: 'string' },
      quiet: { type: 'boolean' },
      append: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const model = values.model;
    const squad = values.squad;
    const output = values.output;
    if (!model || !squad || !output) throw new UsageError('--model, --squad and --output are required');
    const dtype = choice('--dtype', values.dtype, ['float16', 'float32'] as const, 'float16');
    if (dtype === 'float16' && storeFormatOf(output) === 'hdf5')
      throw new UsageError(
        'HDF5 stores are written as float32 only (h5wasm cannot write float16): pass --dtype float32, or write .safetensors / a directory',
      );
    const questionLimit =
      values['question-limit'] === undefined ? undefined : positiveInt('--question-limit', values['question-limit'], 0);
    const maxQueryLength =
      values['max-query-length'] === undefined
        ? undefined
        : positiveInt('--max-query-length', values['max-query-length'], 0);
    const batchSize = positiveInt('--batch-size', values['batch-size'], 8);
    const windows = {
      maxSeqLength: positiveInt('--max-seq-length', values['max-seq-length'], 384),
      docStride: positiveInt('--doc-stride', values['doc-stride'], 128),
      maxQueryLength,
    };
    if (values['split-file'] && values['split-part'] === undefined)
      throw new UsageError('--split-file needs --split-part');
    const runtime = choice<OrtChoice>('--runtime', values.runtime, ['auto', 'node', 'web'], 'auto');
    const tokenizerPath = values.tokenizer ?? join(dirname(model), 'tokenizer.json');
    if (!values.tokenizer && !existsSync(tokenizerPath))
      throw new UsageError(`no tokenizer.json beside ${model}: pass --tokenizer`);
    const squadBytes = await readRegularFile(squad, MAX_JSON_BYTES);
    let json: unknown;
    try {
      json = JSON.parse(squadBytes.toString('utf8'));
    } catch (cause) {
      throw new FileFormatError(`not valid JSON (${(cause as Error).message})`, { file: squad, cause });
    }
    const split = values['split-file'] ? await splitTitles(values['split-file'], values['split-part']!) : undefined;
    let examples = readSquadExamples(json, squad, split?.titles);
    if (questionLimit !== undefined) examples = examples.slice(0, questionLimit);
    const tokenizer = await loadTokenizer(tokenizerPath);
    const encoder = await loadOnnxEncoder(model, { runtime });
    let bar: ProgressBar | undefined;
    let reported = 0;
    try {
      const summary = await extractActivations({
        tokenizer,
        encoder,
        examples,
        output,
        dtype,
        clsOnly: values['cls-only'] ?? false,
        append: values.append ?? false,
        batchSize,
        windows,
        source: { file: basename(squad), sha256: sha256(squadBytes), ...(split ? { split: split.split } : {}) },
        ...(values['model-id'] ? { modelId: values['model-id'], tokenizerId: values['model-id'] } : {}),
        onProgress: (done, total) => {
          if (values.quiet) return;
          bar ??= new ProgressBar({ total, label: basename(output) });
          bar.update({ done, examples: done - reported });
          reported = done;
        },
      });
      bar?.finish();
      const appended = values.append
        ? ` appended (${summary.skipped} questions already in the store; ${summary.totalWindows} windows in all)`
        : '';
      io.stdout(
        `${summary.output}: ${summary.windows} windows from ${summary.questions} questions${appended} (${encoder.runtime})\n`,
      );
    } finally {
      await encoder.dispose();
    }
    return 0;
  },
};
