/**
 * `bertvision inspect <path>`: what is in an activation store (container, tensors, shapes, dtypes, metadata) or in a
 * saved model (architecture, layers with output shapes and parameter counts, learned layer-mix weights).
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import { openStore } from '../store/open-store.js';
import { countParameters } from '../models/index.js';
import { loadModel } from '../jobs/model-files.js';
import { writeFileAtomic } from '../platform/atomic-file.js';
import { layerMixes, layerWeightsSvg } from '../report/index.js';
import { startQuietBackend } from './backend.js';
import type { CliCommand, CliIO } from './command.js';
import { parseCommandLine } from './command-line.js';

const USAGE = `Usage: bertvision inspect <store-or-model> [--json] [--plot weights.svg]

Describe an activation store (HDF5 file, .npy file or directory, .safetensors file or index) or a saved model
directory (model.json + weights.bin).

Options:
  --json               print one JSON object instead of text
  --plot <file.svg>    (models) write a bar chart of each BertConcat layer's learned weights; with several
                       BertConcat layers, their names are appended to the file name
  -h, --help           show this help
`;

function isModelDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'model.json'));
}

async function inspectModel(path: string, json: boolean, plot: string | undefined, io: CliIO): Promise<void> {
  const model = await loadModel(path);
  try {
    const counts = countParameters(model as unknown as tf.layers.Layer);
    const layers = model.layers.map((l) => ({
      name: l.name,
      class: l.getClassName(),
      outputShape: l.outputShape,
      parameters: l.countParams(),
    }));
    const mixes = layerMixes(model);
    const metadata = (model.getUserDefinedMetadata() as Record<string, unknown> | undefined)?.bertvision ?? null;
    if (plot && mixes.length === 0)
      io.stderr(
        `bertvision inspect: --plot: ${path} has no BertConcat layer (no learned layer weights); nothing written\n`,
      );
    if (plot) {
      for (const mix of mixes) {
        const file = mixes.length === 1 ? plot : plot.replace(/(\.svg)?$/i, `.${mix.layer}.svg`);
        await writeFileAtomic(
          file,
          layerWeightsSvg({ weights: mix.weights, gamma: mix.gamma, title: `${model.name}: ${mix.layer}` }),
        );
        io.stderr(`bertvision inspect: wrote ${file} (${mix.layer}'s learned layer weights)\n`);
      }
    }
    if (json) {
      io.stdout(
        `${JSON.stringify({ kind: 'model', path, name: model.name, metadata, parameters: counts, layers, mixes }, null, 2)}\n`,
      );
      return;
    }
    const lines = [`model ${model.name} (${path})`];
    if (metadata) lines.push(`  architecture: ${JSON.stringify(metadata)}`);
    const count = (n: number): string => n.toLocaleString('en-US');
    lines.push(
      `  parameters: ${count(counts.total)} (trainable ${count(counts.trainable)}, non-trainable ${count(counts.nonTrainable)})`,
    );
    lines.push('  layers:');
    for (const l of layers)
      lines.push(
        `    ${l.name.padEnd(28)} ${l.class.padEnd(22)} ${JSON.stringify(l.outputShape).padEnd(24)} ${l.parameters}`,
      );
    for (const mix of mixes) {
      lines.push(`  ${mix.layer}: γ = ${mix.gamma.toFixed(4)}, center of gravity ${mix.centerOfGravity.toFixed(2)}`);
      lines.push(`    weights: ${mix.weights.map((w) => w.toFixed(3)).join(' ')}`);
    }
    io.stdout(`${lines.join('\n')}\n`);
  } finally {
    model.dispose();
  }
}

async function inspectStore(path: string, json: boolean, io: CliIO): Promise<void> {
  const store = await openStore(path);
  try {
    const { example_ids: ids, ...rest } = store.metadata ?? {};
    const metadata = store.metadata
      ? { ...rest, example_ids: Array.isArray(ids) ? `${ids.length} ids` : undefined }
      : null;
    if (json) {
      const { container, numExamples: examples, activations, layerAxis, tensors } = store;
      const summary = { kind: 'store', path, container, examples, activations, layerAxis, tensors, metadata };
      io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
      return;
    }
    const lines = [`store ${path} (${store.container}), ${store.numExamples} examples`, '  tensors:'];
    for (const [name, info] of Object.entries(store.tensors)) {
      const axis = name === store.activations ? `  (layer axis ${store.layerAxis})` : '';
      lines.push(`    ${name.padEnd(26)} ${info.dtype.padEnd(8)} [${info.shape.join(', ')}]${axis}`);
    }
    lines.push(metadata ? `  metadata: ${JSON.stringify(metadata)}` : '  metadata: none');
    io.stdout(`${lines.join('\n')}\n`);
  } finally {
    await store.close();
  }
}

/** The `inspect` subcommand. */
export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: "describe a store's tensors and metadata, or a model's layers, parameters and learned layer weights",
  usage: USAGE,
  run: async (argv, io) => {
    const parsed = parseCommandLine(argv, { json: { type: 'boolean' }, plot: { type: 'string' } });
    const [path, ...extra] = parsed.positionals;
    if (!path || extra.length) throw new UsageError(`expected exactly one path, got ${parsed.positionals.length}`);
    if (!existsSync(path)) throw new UsageError(`${path}: no such file or directory`);
    const json = parsed.values.json ?? false;
    // a model's own model.json names its directory; any other JSON file is neither a store nor a model
    const target = basename(path) === 'model.json' && isModelDir(dirname(path)) ? dirname(path) : path;
    if (target === path && /\.json$/i.test(path))
      throw new UsageError(
        `${path}: not a store or a model; expected an HDF5 (.h5), .npy or .safetensors store, or a model directory`,
      );
    await startQuietBackend();
    if (isModelDir(target)) await inspectModel(target, json, parsed.values.plot, io);
    else if (parsed.values.plot)
      throw new UsageError('--plot applies to models (a directory with model.json), not stores');
    else await inspectStore(path, json, io);
    return 0;
  },
};
