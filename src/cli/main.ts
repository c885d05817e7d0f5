#!/usr/bin/env node
/**
 * The `bertvision` command. Each subcommand lives in its own file under `src/cli/` and is listed in
 * `./commands.ts`; this file only dispatches, prints one-line errors and sets the exit code.
 */
import { runCli } from './run.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bertvision: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
