/** The CLI reference (docs/cli.md) as generated from the commands' own help texts, so the two cannot drift apart. */
import { commands } from './commands.js';
import { topLevelHelp } from './run.js';

/** Markdown of `bertvision --help` and every subcommand's `--help`. */
export function cliReferenceMarkdown(): string {
  const sections = commands.map(
    (c) => `## bertvision ${c.name}\n\n${c.summary}.\n\n\`\`\`text\n${c.usage.trimEnd()}\n\`\`\`\n`,
  );
  return [
    '# CLI reference',
    '',
    "Generated from the commands' `--help` texts by `npm run docs:cli` (a test keeps this file in sync).",
    'Every command prints one-line errors on stderr and exits with 2 for bad usage and 1 for bad input files;',
    '`--json` gives machine-readable output where a command has results. Every flag is checked before any work starts',
    '(an unknown flag names the closest known one). Number flags take decimal numbers, negatives included',
    '(`--null-score-diff-threshold -0.55`; not `0x10`). `bertvision help <command>` is `bertvision <command> --help`;',
    '`bertvision --version` prints the version.',
    '',
    '```text',
    topLevelHelp().trimEnd(),
    '```',
    '',
    ...sections,
  ].join('\n');
}
