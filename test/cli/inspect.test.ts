import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { buildBinaryAdapter } from '../../src/models/index.js';
import { saveModel } from '../../src/jobs/model-files.js';
import { useBackend } from '../helpers/backends.js';

const fixtures = fileURLToPath(new URL('../fixtures/io/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'bv-inspect-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (argv: string[]) => cli(['inspect', ...argv]);

beforeAll(async () => {
  await useBackend('cpu');
  const model = buildBinaryAdapter('tenney-small', { inputShape: [1, 16, 5] });
  await saveModel(model, join(work, 'model'));
});

describe('bertvision inspect', () => {
  it('describes a model: parameters, layers and the learned layer mix (JSON)', async () => {
    const { code, out } = await run([join(work, 'model'), '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.parameters).toEqual({ total: 5 + 1 + 16 * 2 + 2, trainable: 40, nonTrainable: 0 });
    expect(report.layers.map((l: { class: string }) => l.class)).toContain('BertConcat');
    expect(report.mixes).toHaveLength(1);
    const weights: number[] = report.mixes[0].weights;
    expect(weights).toHaveLength(5);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('writes the layer-weight plot of a model', async () => {
    const plot = join(work, 'mix.svg');
    const { code, out } = await run([join(work, 'model'), '--plot', plot]);
    expect(code).toBe(0);
    expect(out).toMatch(/center of gravity \d\.\d\d/);
    const svg = readFileSync(plot, 'utf8');
    expect(svg.match(/data-layer=/g)).toHaveLength(5);
  });

  it('describes a store written by Python (safetensors)', async () => {
    const { code, out } = await run([join(fixtures, 'store.safetensors'), '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.container).toBe('safetensors');
    expect(report.tensors.hidden_state_activations.shape.length).toBe(4);
    expect(report.examples).toBe(report.tensors.hidden_state_activations.shape[0]);
  });

  it('fails with one line and exit 2 on bad usage, 1 on a bad file', async () => {
    const bad = await run(['--frobnicate', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toMatch(/see 'bertvision inspect --help'/);
    expect((await run([join(work, 'missing')])).code).toBe(2);
    const garbage = join(work, 'garbage.safetensors');
    (await import('node:fs')).writeFileSync(garbage, 'not a store');
    const corrupt = await run([garbage]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.err).toContain('garbage.safetensors');
  });
});
