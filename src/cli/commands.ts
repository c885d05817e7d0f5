/** Registry of `bertvision` subcommands. Add a subcommand by adding its file and one line here. */
import { architecturesCommand } from './architectures.js';
import type { CliCommand } from './command.js';
import { convertCommand } from './convert.js';
import { evaluateCommand } from './evaluate.js';
import { ensembleCommand } from './ensemble.js';
import { extractCommand } from './extract.js';
import { inspectCommand } from './inspect.js';
import { predictCommand } from './predict.js';
import { trainCommand } from './train.js';

/** Every subcommand, in the order `bertvision --help` lists them. */
export const commands: CliCommand[] = [
  trainCommand,
  predictCommand,
  evaluateCommand,
  ensembleCommand,
  inspectCommand,
  convertCommand,
  extractCommand,
  architecturesCommand,
];
