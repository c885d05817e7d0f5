/**
 * The README, run as written in a fresh downstream project: pack bertvision, run the Install command (the tarball in
 * place of the registry name), type-check and run the "Use" snippet, and run every line of the "CLI" block, each
 * verbatim. The project gets the files those commands name, made from the shipped data: `train-cls.h5` (the MiniLM
 * CLS store), `train.safetensors` / `dev.safetensors` (the fine-tuned MiniLM span store) and `dev-v2.0.json` (the
 * SQuAD 2.0 dev questions of that store). Offline: npm installs from its cache (`--prefer-offline`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'bv-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The first fenced block of `lang` after the heading `## <section>`. */
function block(section: string, lang: string): string {
  const start = readme.indexOf(`\n## ${section}\n`);
  expect(start, section).toBeGreaterThan(0);
  const open = readme.indexOf(`\`\`\`${lang}\n`, start);
  return readme.slice(open + lang.length + 4, readme.indexOf('\n```', open));
}

/** Run one shell line in the project, as a user types it. */
function sh(line: string, env: Record<string, string> = {}) {
  const r = spawnSync('bash', ['-c', line], { cwd: work, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], { cwd: root });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'downstream', private: true, type: 'module' }));
  // the Install line, with the tarball for the registry name; the native kernels are built and tested elsewhere
  const install = block('Install', 'sh').replace(/\bbertvision\b/, `./${tarball}`);
  const r = sh(`${install} --prefer-offline --no-audit --no-fund --loglevel=error`, { BERTVISION_NATIVE: '0' });
  expect(r.code, r.err).toBe(0);
  copyFileSync(join(root, 'data/minilm/cls-train-300q.h5'), join(work, 'train-cls.h5'));
  const span = join(root, 'data/minilm/span-eval-6q-finetuned.safetensors');
  copyFileSync(span, join(work, 'train.safetensors'));
  copyFileSync(span, join(work, 'dev.safetensors'));
  const store = await openStore(span);
  const ids = new Set(store.metadata?.example_ids as string[]);
  await store.close();
  const squad = JSON.parse(readFileSync(join(root, 'data/squad/dev-v2.0.json'), 'utf8')) as {
    data: Array<{ paragraphs: Array<{ qas: Array<{ id: string }> }> }>;
  };
  for (const article of squad.data) for (const p of article.paragraphs) p.qas = p.qas.filter((q) => ids.has(q.id));
  squad.data = squad.data
    .map((a) => ({ ...a, paragraphs: a.paragraphs.filter((p) => p.qas.length > 0) }))
    .filter((a) => a.paragraphs.length > 0);
  writeFileSync(join(work, 'dev-v2.0.json'), JSON.stringify(squad));
}, 300_000);

describe('the README in a fresh project', () => {
  it('the "Use" snippet type-checks against the installed package and runs', () => {
    writeFileSync(join(work, 'snippet.mts'), block('Use', 'ts'));
    const tsconfig = {
      compilerOptions: {
        module: 'nodenext',
        target: 'es2022',
        strict: true,
        skipLibCheck: true,
        outDir: 'out',
        types: [],
      },
      files: ['snippet.mts'],
    };
    writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = sh(`node ${join(root, 'node_modules/typescript/bin/tsc')} -p .`);
    expect(`${tsc.out}${tsc.err}`).toBe('');
    const run = sh('node out/snippet.mjs');
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/^epoch 3\/3 · loss \d\.\d{4} · /m);
    // after the progress lines: the printed layer weights, one per hidden state of MiniLM (pooled, embeddings, 6)
    const printed = run.out.slice(run.out.indexOf('\n', run.out.lastIndexOf('epoch 3/3')));
    const weights = [...printed.matchAll(/\d\.\d+(?:e-\d+)?/g)].map((m) => Number(m[0]));
    expect(weights).toHaveLength(8);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('every line of the "CLI" block runs', () => {
    const lines = block('CLI', 'sh').split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) {
      const r = sh(line);
      expect(r.code, `${line}\n${r.err}`).toBe(0);
      expect(r.err, line).not.toMatch(/Hi, looks like you are running TensorFlow\.js/);
    }
    const evaluation = sh(lines.find((l) => l.includes(' evaluate '))!);
    expect(Object.keys(JSON.parse(evaluation.out) as object)).toContain('best_f1');
  });
});
