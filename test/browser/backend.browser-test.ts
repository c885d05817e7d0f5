/**
 * initBackend in a page (Debian's chromium, headless, driven by playwright-core), through the built browser entry
 * `dist/index.js` with an import map: it offers the browser backends the page has loaded, best first (webgpu → webgl
 * → wasm → cpu), can be asked for each of them, and never moves tfjs off a backend the page already chose for a worse
 * one. The WebAssembly backend is the page's own import of @tensorflow/tfjs-backend-wasm, with setWasmPaths.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};
const IMPORTS = {
  '@tensorflow/tfjs': '/node_modules/@tensorflow/tfjs/dist/tf.fesm.js',
  '@tensorflow/tfjs-core': '/node_modules/@tensorflow/tfjs-core/dist/tf-core.fesm.js',
  '@tensorflow/tfjs-backend-wasm': '/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.fesm.js',
  // the wasm glue's Node branches import these; a bundler maps them to nothing (the package's `browser` field)
  ...Object.fromEntries(['fs', 'path', 'perf_hooks', 'os'].map((m) => [m, '/empty-module.js'])),
};
let server: Server;
let browser: Browser;
let origin = '';

function serve(): Promise<string> {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><script type="importmap">${JSON.stringify({ imports: IMPORTS })}</script>`);
      return;
    }
    if (url.pathname === '/empty-module.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end('export default {};');
      return;
    }
    const path = join(root, normalize(url.pathname));
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

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/index.js')))
    throw new Error('run `npm run build` first: the browser suite loads dist/index.js');
  origin = await serve();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

type Choice = { backend: string; source: string; skipped: Array<{ name: string; reason: string }>; active: string };

/**
 * Run `body` in a fresh page after importing tfjs (as `tf`) and the browser entry (as `bv`); with `wasm`, also the
 * WebAssembly backend, its files served from node_modules. The page code is a string: vitest would rewrite a dynamic
 * import() inside a function passed to the page.
 */
async function inPage(body: string, wasm = false): Promise<{ result: Choice; webgl: boolean; page: Page }> {
  const page = await browser.newPage();
  await page.goto(origin);
  const result = (await page.evaluate(`(async () => {
    const tf = await import('@tensorflow/tfjs');
    ${wasm ? "const w = await import('@tensorflow/tfjs-backend-wasm'); w.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');" : ''}
    const bv = await import('/dist/index.js');
    const choice = await (async () => { ${body} })();
    return { ...choice, active: tf.getBackend() };
  })()`)) as Choice;
  const webgl = (await page.evaluate(
    "!!(document.createElement('canvas').getContext('webgl2') || document.createElement('canvas').getContext('webgl'))",
  )) as boolean;
  return { result, webgl, page };
}

describe('initBackend in a page', () => {
  it('auto picks the best loaded browser backend, and says why better ones were skipped', async () => {
    const { result, webgl, page } = await inPage('return bv.initBackend();', true);
    expect(result.backend).toBe(webgl ? 'webgl' : 'wasm');
    expect(result.active).toBe(result.backend);
    expect(result.skipped.find((s) => s.name === 'webgpu')?.reason).toMatch(
      /not loaded: import @tensorflow\/tfjs-backend-webgpu/,
    );
    await page.close();
  });

  it('can be asked for wasm, webgl and cpu by name', async () => {
    const wasm = await inPage("return bv.initBackend({ backend: 'wasm' });", true);
    expect(wasm.result).toMatchObject({ backend: 'wasm', active: 'wasm', source: '@tensorflow/tfjs-backend-wasm' });
    await wasm.page.close();
    const cpu = await inPage("return bv.initBackend({ backend: 'cpu' });");
    expect(cpu.result).toMatchObject({ backend: 'cpu', active: 'cpu' });
    await cpu.page.close();
    const gl = await inPage(
      "return bv.initBackend({ backend: 'webgl' }).catch((e) => ({ backend: 'error: ' + e.message }));",
    );
    expect(gl.result.backend).toBe(
      gl.webgl ? 'webgl' : expect.stringMatching(/^error: backend 'webgl' is not available/),
    );
    await gl.page.close();
  });

  it('a page without the wasm backend is told how to load it, not "no candidate registered"', async () => {
    const { result, page } = await inPage(
      "return bv.initBackend({ backend: 'wasm' }).catch((e) => ({ backend: 'error: ' + e.message }));",
    );
    expect(result.backend).toMatch(
      /^error: backend 'wasm' is not available: .*not loaded: import @tensorflow\/tfjs-backend-wasm/,
    );
    await page.close();
  });

  it('never downgrades the backend the page already runs on', async () => {
    // the page chose wasm: auto may not move it to cpu, and keeps it when nothing better loads
    const kept = await inPage("await tf.setBackend('wasm'); await tf.ready(); return bv.initBackend();", true);
    expect(kept.result.active).toBe(kept.webgl ? 'webgl' : 'wasm');
    await kept.page.close();
    // the page runs on cpu (tfjs' fallback): auto upgrades it
    const upgraded = await inPage("await tf.setBackend('cpu'); return bv.initBackend();", true);
    expect(upgraded.result.active).toBe(upgraded.webgl ? 'webgl' : 'wasm');
    await upgraded.page.close();
    // the page chose webgl (tfjs' own default where there is WebGL): auto keeps it
    const gl = await inPage("await tf.setBackend('webgl'); await tf.ready(); return bv.initBackend();", true);
    if (gl.webgl) expect(gl.result).toMatchObject({ backend: 'webgl', active: 'webgl' });
    await gl.page.close();
  });
});
