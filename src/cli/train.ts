/** `bertvision train`: train a head on an activation store, with dev evaluation, checkpoints, resume and plots. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { ARCHITECTURE_NAMES, type ArchitectureName } from '../models/index.js';
import { trainHead } from '../jobs/train.js';
import { applyMatMul, BACKEND_USAGE, MATMUL_USAGE, requestedMatMul, startCliBackend } from './backend.js';
import type { CliCommand } from './command.js';
import { parseCommandLine } from './command-line.js';
import { choice, finiteNumber, nonNegativeInt, positiveInt } from './flags.js';
import { ProgressBar } from './progress.js';

const USAGE = `Usage: bertvision train <train-store> --arch <name> --out <dir> [options]

Train a head on the activations of <train-store> (HDF5, npy or safetensors), evaluating a dev store after every
epoch at question level (answerability accuracy/F1 for binary heads, official SQuAD 2.0 EM/F1 for span heads).
Writes <dir>/model, <dir>/best-model, <dir>/checkpoints, <dir>/history.json, <dir>/learning-curves.svg and
<dir>/layer-weights.svg.

Options:
  --arch <name>            architecture (see 'bertvision inspect' or docs/architectures.md), e.g. tenney-small
  --out <dir>              output directory
  --dev <store>            dev store evaluated after every epoch
  --squad <file.json>      SQuAD JSON of the dev questions (required for span heads with --dev)
  --epochs <n>             epochs (default 3)
  --batch-size <n>         batch size (default 64 for binary heads, 8 for span heads)
  --lr <x>                 Adam learning rate (default 0.001)
  --seed <n>               seed of the initial weights and the shuffling (default 0)
  --shuffle <mode>         full | buffer | none (default full)
  --checkpoint-every <n>   also checkpoint every n steps (default 0: at epoch ends only)
  --resume                 continue the run in --out from its last checkpoint
  --overwrite              replace the run in --out (its checkpoints, models, history, plots); default: refuse
  --monitor <metric>       dev metric for the best model and early stopping (default f1)
  --patience <n>           stop after n epochs without improvement (default: never)
  --adapter-dim <n>        adapter width for adapter architectures
${BACKEND_USAGE}
${MATMUL_USAGE}. Part of the run: a
                           resume with another precision is refused
  --json                   print the result as JSON
  -h, --help               show this help
`;

/** The `train` subcommand. */
export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train a head on an activation store (checkpoints, --resume, dev metrics, plots)',
  usage: USAGE,
  run: async (argv, io) => {
    const parsed = parseCommandLine(argv, {
      arch: { type: 'string' },
      out: { type: 'string' },
      dev: { type: 'string' },
      squad: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      shuffle: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      resume: { type: 'boolean' },
      overwrite: { type: 'boolean' },
      monitor: { type: 'string' },
      patience: { type: 'string' },
      'adapter-dim': { type: 'string' },
      backend: { type: 'string' },
      matmul: { type: 'string' },
      json: { type: 'boolean' },
    });
    const v = parsed.values;
    if (parsed.positionals.length !== 1)
      throw new UsageError(`expected one training store, got ${parsed.positionals.length}`);
    if (!v.arch) throw new UsageError('--arch is required');
    if (!v.out) throw new UsageError('--out is required');
    const architecture = choice('--arch', v.arch, ARCHITECTURE_NAMES, ARCHITECTURE_NAMES[0]!) as ArchitectureName;
    const epochs = positiveInt('--epochs', v.epochs, 3);
    // every flag is checked before the backend starts, so a typo fails at once
    const options = {
      trainStore: parsed.positionals[0]!,
      architecture,
      outDir: v.out,
      ...(v.dev ? { devStore: v.dev } : {}),
      ...(v.squad ? { squadFile: v.squad } : {}),
      epochs,
      ...(v['batch-size'] ? { batchSize: positiveInt('--batch-size', v['batch-size'], 1) } : {}),
      learningRate: finiteNumber('--lr', v.lr, 1e-3, 0),
      seed: nonNegativeInt('--seed', v.seed, 0),
      shuffle: choice('--shuffle', v.shuffle, ['full', 'buffer', 'none'] as const, 'full'),
      checkpointEverySteps: nonNegativeInt('--checkpoint-every', v['checkpoint-every'], 0),
      resume: v.resume ?? false,
      overwrite: v.overwrite ?? false,
      ...(v.monitor ? { monitor: v.monitor } : {}),
      ...(v.patience ? { patience: positiveInt('--patience', v.patience, 1) } : {}),
      ...(v['adapter-dim'] ? { adapterDim: positiveInt('--adapter-dim', v['adapter-dim'], 1) } : {}),
    };
    const matmulRequest = requestedMatMul(v.matmul);
    const earlier = existsSync(join(options.outDir, 'checkpoints', 'last.ckpt'));
    if (options.resume && options.overwrite) throw new UsageError('--resume and --overwrite exclude each other');
    if (earlier && !options.resume && !options.overwrite)
      throw new UsageError(
        `${options.outDir} already holds a training run: --resume continues it, --overwrite replaces it`,
      );
    const backend = await startCliBackend(v.backend, io);
    const matmul = applyMatMul(matmulRequest, io);
    if (options.resume && !earlier)
      io.stderr(`bertvision: --resume: no checkpoint in ${options.outDir}; starting from the beginning\n`);
    if (options.overwrite && earlier) io.stderr(`bertvision: --overwrite: replacing the run in ${options.outDir}\n`);
    let bar: ProgressBar | undefined;
    const result = await trainHead({
      ...options,
      onResume: (from) =>
        io.stderr(
          `bertvision: resuming from ${from.location}: epoch ${from.epoch + 1}, batch ${from.batch} (${from.step} steps done)\n`,
        ),
      onEpochStart: (epoch, firstBatch, batchesPerEpoch) => {
        bar = new ProgressBar({ total: batchesPerEpoch, initial: firstBatch, label: `epoch ${epoch + 1}/${epochs}` });
      },
      onProgress: (p) => {
        bar?.update({ done: p.batch, examples: p.examples, loss: p.loss });
        if (p.batch === p.batchesPerEpoch) bar?.finish();
      },
      onEpochEnd: (s) => {
        const metrics = Object.entries(s.metrics)
          .map(([k, x]) => `${k} ${Number.isInteger(x) ? x : x.toFixed(4)}`)
          .join(', ');
        io.stderr(`epoch ${s.epoch}: loss ${s.loss.toFixed(4)}${metrics ? `; dev ${metrics}` : ''}\n`);
      },
    });
    if (v.json) {
      io.stdout(`${JSON.stringify({ architecture, backend: backend.backend, matmul, ...result }, null, 2)}\n`);
    } else {
      const best = result.state.best;
      io.stdout(
        `trained ${architecture} for ${result.state.history.length} epoch(s)${result.state.stopped ? ' (stopped early)' : ''}` +
          `${best ? `; best dev ${best.metric} ${best.value.toFixed(4)} at epoch ${best.epoch}` : ''}\n` +
          `model: ${result.files.model}\n${result.files.bestModel ? `best model: ${result.files.bestModel}\n` : ''}` +
          `history: ${result.files.history}\n` +
          `plots: ${[result.files.learningCurves, result.files.layerWeights].filter(Boolean).join(', ')}\n`,
      );
    }
    return 0;
  },
};
