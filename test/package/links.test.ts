/**
 * The README and docs as npm shows them: every relative link in README.md and in the docs that ship must point at a
 * file inside the packed tarball (`npm pack --dry-run` lists it), so no link on the package page is dead.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const packed: string[] = (
  JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
  ) as Array<{ files: Array<{ path: string }> }>
)[0]!.files.map((f) => f.path);

/** The relative link targets of a markdown file, resolved against its folder (anchors dropped). */
function relativeLinks(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target))
    .map((target) => normalize(join(dirname(file), target)));
}

describe('links in the packed package', () => {
  it('README.md and the docs ship', () => {
    expect(packed).toContain('README.md');
    expect(packed).toContain('docs/cli.md');
  });

  it.each(packed.filter((f) => f.endsWith('.md')))('every relative link in %s points into the tarball', (file) => {
    const dead = relativeLinks(file).filter((target) => !packed.includes(target));
    expect(dead).toEqual([]);
  });
});
