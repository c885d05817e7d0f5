/**
 * The docs tell the truth about what ships: nothing cites a file outside the repository (the seed's specification
 * lives in docs/seed.md, in the project's words), and docs/seed.md names every head with the registry's count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { architectures } from '../../src/models/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('docs', () => {
  it.each(docs)('%s cites nothing outside the repository', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    expect(text).not.toMatch(/reference\/bertvision-spec|bertvision-spec\.md|\.\.\/shared|\bspec §/);
  });

  it('docs/seed.md lists every head with the parameter count of the registry', () => {
    const seed = readFileSync(join(root, 'docs/seed.md'), 'utf8');
    for (const info of Object.values(architectures)) {
      const row = seed.split('\n').find((line) => line.includes(`\`${info.name}\``));
      expect(row, info.name).toBeDefined();
      expect(row, info.name).toContain(info.seedParameterCount.toLocaleString('en-US'));
    }
  });
});
