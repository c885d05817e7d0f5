/**
 * `bertvision convert <in> <out>`: move a head between the seed's formats (Keras 2 `.h5`, `.keras`, tensorflowjs
 * converter output, the torch AP_SQuAD state dict) and bertvision's model directory, in either direction.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import { loadKerasModel } from '../interop/keras-model.js';
import { loadKerasWeights, readKerasWeights } from '../interop/keras-weights.js';
import { loadTorchSpanHead, saveTorchStateDict } from '../interop/torch-span-head.js';
import { saveKerasWeights } from '../interop/keras-weights.js';
import { ARCHITECTURE_NAMES, getArchitecture, type ActivationShape } from '../models/index.js';
import { loadModel, saveModel } from '../jobs/model-files.js';
import { startQuietBackend } from './backend.js';
import type { CliCommand, CliIO } from './command.js';
import { parseCommandLine } from './command-line.js';
import { activationShape, choice, positiveInt } from './flags.js';

const USAGE = `Usage: bertvision convert <in> <out> [--architecture NAME --input-shape S,E,L] [--adapter-dim A]
                          [--sequence-length S]

Convert a head between the seed's Keras / PyTorch files and bertvision's model directory. The kind of <in> and
<out> is read from the path:

  <in>
    model.h5              a whole Keras model (model.save('model.h5'), with model_config)
    model.keras           a Keras archive (config.json + model.weights.h5)
    dir/ or model.json    tensorflowjs_converter --input_format keras output, or a bertvision model directory
    weights.h5            Keras save_weights output (Keras 2 .h5 or Keras 3 .weights.h5): needs --architecture and
                          --input-shape (and --adapter-dim when the width is not the one in the name)
    head.safetensors      the seed's torch AP_SQuAD state dict (S = the adapter width unless --sequence-length)
  <out>
    dir/                  a bertvision model directory (model.json + weights.bin), loadable with loadModel()
    weights.h5            a Keras 2 weights file the seed's model.load_weights() reads
    head.safetensors      a torch state dict the seed's AP_SQuAD load_state_dict() reads

Options:
  --architecture NAME     registry architecture for a weights-only .h5 (${ARCHITECTURE_NAMES.slice(0, 3).join(', ')}, …)
  --input-shape S,E,L     activation shape of one example for a weights-only .h5, e.g. 386,1024,25
  --adapter-dim A         adapter width, when it is not the architecture's default
  --sequence-length S     tokens per example for a torch state dict (default: the adapter width)
  -h, --help              show this help

Examples:
  bertvision convert weights_best_models/learned_pooling_alone.h5 runs/lp --architecture learned-pooling \\
      --input-shape 386,1024,25
  bertvision convert adapter_pooler_tenney.h5 runs/apt     # a whole model saved with model.save()
  bertvision convert ap_squad.safetensors runs/ap-squad    # the seed's torch head
  bertvision convert runs/lp learned_pooling.h5            # back to Keras: seed_model.load_weights(...)
  bertvision convert runs/ap-squad ap_squad.safetensors    # back to torch: model.load_state_dict(...)
`;

interface ConvertFlags {
  architecture: string | undefined;
  inputShape: ActivationShape | undefined;
  adapterDim: number | undefined;
  sequenceLength: number | undefined;
}

function isBertvisionModelDir(path: string): boolean {
  const json = join(path, 'model.json');
  if (!existsSync(json)) return false;
  const text = readFileSync(json, 'utf8');
  return !text.includes('TensorFlow.js Converter');
}

async function load(input: string, flags: ConvertFlags, io: CliIO): Promise<tf.LayersModel> {
  const lower = input.toLowerCase();
  const notes: string[] = [];
  let model: tf.LayersModel;
  if (lower.endsWith('.safetensors')) {
    const loaded = await loadTorchSpanHead(
      input,
      flags.sequenceLength === undefined ? {} : { sequenceLength: flags.sequenceLength },
    );
    notes.push(...loaded.notes);
    model = loaded.model;
  } else if (statSync(input).isDirectory() && isBertvisionModelDir(input)) {
    model = await loadModel(input);
  } else if (flags.architecture !== undefined) {
    if (!flags.inputShape)
      throw new UsageError('--architecture needs --input-shape S,E,L (the activation shape the head was trained on)');
    model = getArchitecture(flags.architecture).build({
      inputShape: flags.inputShape,
      ...(flags.adapterDim === undefined ? {} : { adapterDim: flags.adapterDim }),
      compile: false,
    });
    const report = await loadKerasWeights(model, input);
    notes.push(...report.notes);
  } else {
    if (/\.h5$/i.test(lower) && (await readKerasWeights(input)).modelConfig === null) {
      throw new UsageError(
        `${input} holds weights only (save_weights): pass --architecture NAME and --input-shape S,E,L`,
      );
    }
    const loaded = await loadKerasModel(input);
    notes.push(...loaded.notes);
    model = loaded.model;
  }
  for (const note of notes) io.stderr(`note: ${note}\n`);
  return model;
}

async function save(model: tf.LayersModel, output: string): Promise<string> {
  const lower = output.toLowerCase();
  if (lower.endsWith('.safetensors')) {
    await saveTorchStateDict(model, output);
    return 'a torch state dict (AP_SQuAD names)';
  }
  if (lower.endsWith('.h5')) {
    await saveKerasWeights(model, output);
    return 'a Keras 2 weights file (load_weights)';
  }
  await saveModel(model, output);
  return 'a bertvision model directory';
}

/** The `convert` subcommand. */
export const convertCommand: CliCommand = {
  name: 'convert',
  summary: "convert a head between the seed's Keras .h5 / .keras / tfjs-converter / torch files and bertvision",
  usage: USAGE,
  run: async (argv, io) => {
    const parsed = parseCommandLine(argv, {
      architecture: { type: 'string' },
      'input-shape': { type: 'string' },
      'adapter-dim': { type: 'string' },
      'sequence-length': { type: 'string' },
    });
    const [input, output, ...extra] = parsed.positionals;
    if (!input || !output || extra.length)
      throw new UsageError(`expected <in> and <out>, got ${parsed.positionals.length} paths`);
    if (!existsSync(input)) throw new UsageError(`${input}: no such file or directory`);
    if (/\.(keras|json)$/i.test(output))
      throw new UsageError(
        `${output}: write a bertvision model directory, a Keras .h5 weights file or a .safetensors state dict`,
      );
    const v = parsed.values;
    const flags: ConvertFlags = {
      architecture:
        v.architecture === undefined
          ? undefined
          : choice('--architecture', v.architecture, ARCHITECTURE_NAMES, 'tenney-small'),
      inputShape: activationShape('--input-shape', v['input-shape']),
      adapterDim: v['adapter-dim'] === undefined ? undefined : positiveInt('--adapter-dim', v['adapter-dim'], 1),
      sequenceLength:
        v['sequence-length'] === undefined ? undefined : positiveInt('--sequence-length', v['sequence-length'], 1),
    };
    await startQuietBackend();
    const model = await load(input, flags, io);
    try {
      const what = await save(model, output);
      io.stdout(
        `${input} → ${output}: ${what}, model '${model.name}', ${model.countParams().toLocaleString('en-US')} parameters\n`,
      );
    } finally {
      model.dispose();
    }
    return 0;
  },
};
