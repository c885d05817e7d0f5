/**
 * `bertvision architectures`: the registry of heads, with each one's task, adapter width and parameter count at a
 * stated input shape (the seed's by default, from the registry; any other with `--input-shape`, by building them).
 */
import {
  type ActivationShape,
  ARCHITECTURE_NAMES,
  architectures,
  BINARY_DEFAULT_INPUT_SHAPE,
  countParameters,
  SPAN_DEFAULT_INPUT_SHAPE,
} from '../models/index.js';
import { UsageError } from '../errors.js';
import { BACKEND_USAGE, startCliBackend } from './backend.js';
import type { CliCommand } from './command.js';
import { parseCommandLine } from './command-line.js';
import { activationShape, choice } from './flags.js';

const USAGE = `Usage: bertvision architectures [--input-shape S,E,L] [--arch <name>] [--json]

List the heads bertvision builds (docs/architectures.md): name, task, adapter width, and parameter count at the
input shape stated in the header of each table (S positions, E hidden size, L layers of one example). Without
--input-shape, the counts are the seed's, at the seed's shapes (binary ${BINARY_DEFAULT_INPUT_SHAPE.join(',')}; span ${SPAN_DEFAULT_INPUT_SHAPE.join(',')}). With it, each
head is built at that shape and counted; binary heads see S = 1 (the CLS position).

Options:
  --input-shape S,E,L      count at this shape (builds the heads), e.g. 1,384,8 for the MiniLM stores in data/minilm
  --arch <name>            only this architecture
${BACKEND_USAGE}
  --json                   print one JSON array
  -h, --help               show this help
`;

/** One row of the listing. */
interface Row {
  name: string;
  task: string;
  inputShape: ActivationShape;
  adapterDim: number | null;
  parameters: number;
  description: string;
}

/** The `architectures` subcommand. */
export const architecturesCommand: CliCommand = {
  name: 'architectures',
  summary: 'list the heads (registry) with their parameter counts at a stated input shape',
  usage: USAGE,
  run: async (argv, io) => {
    const { values: v, positionals } = parseCommandLine(argv, {
      'input-shape': { type: 'string' },
      arch: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const shape = activationShape('--input-shape', v['input-shape']);
    const names = v.arch ? [choice('--arch', v.arch, ARCHITECTURE_NAMES, ARCHITECTURE_NAMES[0]!)] : ARCHITECTURE_NAMES;
    if (shape) await startCliBackend(v.backend, io);
    const rows: Row[] = names.map((name) => {
      const info = architectures[name];
      if (!shape)
        return {
          name,
          task: info.task,
          inputShape: info.defaultInputShape,
          adapterDim: info.defaultAdapterDim,
          parameters: info.seedParameterCount,
          description: info.description,
        };
      const inputShape: ActivationShape = info.task === 'binary' ? [1, shape[1], shape[2]] : shape;
      const model = info.build({ inputShape, compile: false });
      try {
        const { total } = countParameters(model as unknown as Parameters<typeof countParameters>[0]);
        const row = { name, task: info.task, inputShape, adapterDim: info.defaultAdapterDim, parameters: total };
        return { ...row, description: info.description };
      } finally {
        model.dispose();
      }
    });
    if (v.json) {
      io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    const width = Math.max(...rows.map((r) => r.name.length));
    const lines: string[] = [];
    for (const task of ['binary', 'span']) {
      const group = rows.filter((r) => r.task === task);
      if (!group.length) continue;
      lines.push(`${task} heads, input shape ${group[0]!.inputShape.join(',')} (S,E,L):`);
      for (const r of group) {
        const adapter = r.adapterDim === null ? '' : `A=${r.adapterDim}`;
        lines.push(
          `  ${r.name.padEnd(width)}  ${r.parameters.toLocaleString('en-US').padStart(11)}  ${adapter}`.trimEnd(),
        );
      }
    }
    io.stdout(`${lines.join('\n')}\n`);
    return 0;
  },
};
