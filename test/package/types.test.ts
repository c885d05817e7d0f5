/**
 * The package's types as a TypeScript user gets them, in every `moduleResolution` a project picks: tiny consumer
 * projects (ESM and CommonJS files) import `bertvision` and `bertvision/node` through package.json `exports` and are
 * type-checked with this repository's tsc against the built declarations in dist/ (the vitest globalSetup builds it).
 * The Node API (`openStore`, `trainHead`) must have types under `node16`, `nodenext` and `bundler` alike, and
 * `customConditions: ["browser"]` gives the browser entry's types, without the Node-only names.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'bv-types-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ESM = `import { initBackend, openStore, trainHead, type ActivationStore } from 'bertvision';
import { openStore as openStoreNode } from 'bertvision/node';
await initBackend();
const store: ActivationStore = await openStore('data/minilm/cls-eval-200q.h5');
const same: typeof openStore = openStoreNode;
export const run = (): Promise<unknown> => trainHead({ trainStore: store.path, architecture: 'tenney-small', outDir: 'o' });
export { same };
`;
const CJS = `import { openStore, trainHead } from 'bertvision';
export const open = (): Promise<unknown> => openStore('s.h5');
export const train: typeof trainHead = trainHead;
`;
const BROWSER = `import { initBackend, openStore } from 'bertvision';
// @ts-expect-error trainHead is Node-only: the browser entry does not export it
import { trainHead } from 'bertvision';
export const go = async (): Promise<unknown> => (await initBackend(), openStore(new Blob([])), trainHead);
`;

/** A consumer project with `bertvision` linked in node_modules; tsc's output and exit status. */
function check(name: string, compilerOptions: Record<string, unknown>, files: Record<string, string>) {
  const dir = join(work, name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules', 'bertvision'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', private: true }));
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    target: 'es2022',
    ...compilerOptions,
  };
  const tsconfig = {
    compilerOptions: { ...options, typeRoots: [join(root, 'node_modules/@types')] },
    files: Object.keys(files),
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('types of the packed entry points', () => {
  it.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }],
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
  ])('moduleResolution %s: ESM and CommonJS consumers see the Node API', (name, options) => {
    const r = check(name, options, { 'esm.mts': ESM, 'cjs.cts': CJS });
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('moduleResolution bundler (the Vite and vitest default) sees the Node API', () => {
    const r = check('bundler', { module: 'esnext', moduleResolution: 'bundler' }, { 'esm.ts': ESM });
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('bundler with customConditions ["browser"] gets the browser entry, without the Node-only names', () => {
    const options = {
      module: 'esnext',
      moduleResolution: 'bundler',
      customConditions: ['browser'],
      lib: ['es2022', 'dom'],
    };
    const r = check('browser', options, { 'page.ts': BROWSER });
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });
});
