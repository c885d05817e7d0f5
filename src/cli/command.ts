/** The shape every `bertvision` subcommand implements. */

/** Streams a subcommand writes to; injectable so tests can capture output. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** One subcommand of the `bertvision` CLI. */
export interface CliCommand {
  /** Name typed on the command line, e.g. `evaluate`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full `--help` text. */
  usage: string;
  /** Run with the arguments after the subcommand name; resolves to the exit code. */
  run: (argv: string[], io: CliIO) => Promise<number>;
}
