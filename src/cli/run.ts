/** Dispatch of `bertvision <command> [args]`, separated from `main.ts` so tests can call it in-process. */
import { BertVisionError } from '../errors.js';
import type { CliIO } from './command.js';
import { closestNames } from './command-line.js';
import { commands } from './commands.js';
import { packageVersion } from './version.js';

const defaultIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Top-level help: the list of subcommands. */
export function topLevelHelp(): string {
  const width = Math.max(0, ...commands.map((c) => c.name.length));
  const rows = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return (
    `Usage: bertvision <command> [options]\n\nCommands:\n${rows}\n\n` +
    "Run 'bertvision help <command>' (or 'bertvision <command> --help') for a command's options,\n" +
    "'bertvision --version' for the version.\n"
  );
}

/**
 * Run the CLI with `argv` (the arguments after `bertvision`). Known errors ({@link BertVisionError}) become a
 * one-line message on stderr and a non-zero exit code (2 for usage errors, 1 otherwise); nothing is thrown.
 */
export async function runCli(argv: string[], io: CliIO = defaultIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    io.stdout(`bertvision ${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help' && rest.length > 0) return runCli([rest[0]!, '--help'], io);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(topLevelHelp());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const close = closestNames(
      name,
      commands.map((c) => c.name),
    );
    const hint = close.length ? ` (did you mean '${close.join("' or '")}'?)` : '';
    io.stderr(`bertvision: unknown command '${name}'${hint}. Run 'bertvision --help' for the list.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof BertVisionError) {
      const usage = error.code === 'E_USAGE';
      const hint = usage ? ` (see 'bertvision ${name} --help')` : '';
      io.stderr(`bertvision ${name}: ${error.message.split('\n')[0]}${hint}\n`);
      return usage ? 2 : 1;
    }
    throw error;
  }
}
