import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands.js';
import { cliReferenceMarkdown } from '../../src/cli/reference.js';
import { runCli } from '../../src/cli/run.js';

describe('CLI reference and --help', () => {
  it('docs/cli.md is what the commands say about themselves (npm run docs:cli)', () => {
    expect(readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8')).toBe(cliReferenceMarkdown());
  });

  it('every subcommand answers --help with its usage and exit 0', async () => {
    expect(commands.map((c) => c.name).sort()).toEqual([
      'architectures',
      'convert',
      'ensemble',
      'evaluate',
      'extract',
      'inspect',
      'predict',
      'train',
    ]);
    for (const c of commands) {
      let out = '';
      expect(await runCli([c.name, '--help'], { stdout: (t) => (out += t), stderr: () => undefined })).toBe(0);
      expect(out).toContain(c.usage.trimEnd());
    }
  });

  it('unknown commands and no command fail with exit 2', async () => {
    const sink = { stdout: () => undefined, stderr: () => undefined };
    expect(await runCli(['frobnicate'], sink)).toBe(2);
    expect(await runCli([], sink)).toBe(2);
  });
});
