/**
 * The browser build in a real browser (Debian's chromium, headless, driven by playwright-core): the page imports
 * `dist/index.js` (the package's `browser` entry) with an import map for `@tensorflow/tfjs`, loads heads saved by
 * `saveModel` in Node with plain `tf.loadLayersModel`, and must predict what Node predicted; it also runs the SQuAD
 * metric and the layer-weight plot in the page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBinaryAdapter, buildSpanAdapter, normalizeAnswer } from '../../src/index.js';
import { saveModel } from '../../src/jobs/model-files.js';
import { useBackend } from '../helpers/backends.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const models = mkdtempSync(join(tmpdir(), 'bv-browser-'));
const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.html': 'text/html',
  '.map': 'application/json',
};
let server: Server;
let browser: Browser;
let origin = '';

/** Serves the repository at / and the saved models at /models/. */
function serve(): Promise<string> {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.startsWith('/models/')
      ? join(models, normalize(url.pathname.slice(8)))
      : join(root, normalize(url.pathname));
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<!doctype html><script type="importmap">{"imports":{"@tensorflow/tfjs":"/node_modules/@tensorflow/tfjs/dist/tf.fesm.js"}}</script>`,
      );
      return;
    }
    if (!existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)),
  );
}

const inputs: Record<string, { shape: number[]; values: number[]; expected: number[][] }> = {};

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/index.js')))
    throw new Error('run `npm run build` first: the browser suite loads dist/index.js');
  await useBackend('cpu');
  const heads = {
    'tenney-small': buildBinaryAdapter('tenney-small', { inputShape: [1, 16, 5] }),
    'adapter-64-skip': buildSpanAdapter('adapter-64-skip', { inputShape: [6, 16, 5], adapterDim: 4 }),
  };
  for (const [name, model] of Object.entries(heads)) {
    const shape = [2, ...(model.inputs[0]!.shape.slice(1) as number[])];
    const x = tf.randomNormal(shape, 0, 1, 'float32', 7);
    const out = model.predict(x);
    const expected = await Promise.all((Array.isArray(out) ? out : [out]).map(async (t) => Array.from(await t.data())));
    inputs[name] = { shape, values: Array.from(await x.data()), expected };
    tf.dispose([x, out] as tf.TensorContainer);
    await saveModel(model, join(models, name));
  }
  origin = await serve();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
  rmSync(models, { recursive: true, force: true });
});

describe('bertvision in a browser', () => {
  it('loads heads saved in Node with tf.loadLayersModel and predicts what Node predicted', async () => {
    const page = await browser.newPage();
    await page.goto(origin);
    // The page code is a string: vitest would rewrite a dynamic import() inside a function passed to the page.
    const results = (await page.evaluate(`(async (cases) => {
      const tf = await import('@tensorflow/tfjs');
      await import('/dist/index.js'); // registers BertConcat, AdapterPooler, SelectChannel, ...
      await tf.setBackend('cpu');
      const out = {};
      for (const [name, c] of Object.entries(cases)) {
        const model = await tf.loadLayersModel('/models/' + name + '/model.json');
        const y = model.predict(tf.tensor(c.values, c.shape));
        const ys = Array.isArray(y) ? y : [y];
        out[name] = { layers: model.layers.map((l) => l.getClassName()), outputs: await Promise.all(ys.map(async (t) => Array.from(await t.data()))) };
      }
      return out;
    })(${JSON.stringify(inputs)})`)) as Record<string, { layers: string[]; outputs: number[][] }>;
    expect(results['tenney-small']!.layers).toContain('BertConcat');
    expect(results['adapter-64-skip']!.layers).toContain('AdapterPooler');
    for (const [name, c] of Object.entries(inputs)) {
      const got = results[name]!.outputs;
      expect(got).toHaveLength(c.expected.length);
      got.forEach((values, o) => values.forEach((v, i) => expect(v).toBeCloseTo(c.expected[o]![i]!, 5)));
    }
    await page.close();
  });

  it('runs the SQuAD normalisation and the layer-weight plot in the page', async () => {
    const page = await browser.newPage();
    await page.goto(origin);
    const text = 'The Éthe  “Normans”, a people—in France!';
    const result = (await page.evaluate(`(async (t) => {
      const bv = await import('/dist/index.js');
      return { normalized: bv.normalizeAnswer(t), svg: bv.layerWeightsSvg({ weights: [0.1, 0.2, 0.7] }) };
    })(${JSON.stringify(text)})`)) as { normalized: string; svg: string };
    expect(result.normalized).toBe(normalizeAnswer(text));
    expect(result.svg.match(/data-layer=/g)).toHaveLength(3);
    await page.close();
  });
});
