/**
 * The demo page (examples/web, built by `npm run web:build`) driven in Debian's chromium: it trains Tenney-small for a
 * few epochs (accuracy text per epoch, one layer-weight bar per layer), answers held-out questions with the highlighted
 * text equal to the shipped head's answers decoded in Node, and shows a dropped store. It works offline once loaded
 * and asks nothing of any other origin. Screenshots go to .tmp/web-screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeSpanWindows,
  openStore,
  predictStore,
  readSquadQuestions,
  readStoreWindows,
} from '../../src/index.node.js';
import { loadHeadForStore } from '../../src/jobs/load-head.js';
import { readJsonFile } from '../../src/jobs/json-files.js';
import { DEMO_DATA } from '../../examples/web/src/data-config.js';
import { useBackend } from '../helpers/backends.js';
import { serveFolder, type RangeServer } from '../helpers/range-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = join(root, 'examples/web/dist');
const shots = join(root, '.tmp/web-screenshots');
let server: RangeServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const requested: string[] = [];
const nodeAnswers = new Map<string, string>();
let layerCount = 0;

beforeAll(async () => {
  if (!existsSync(join(built, 'index.html')))
    throw new Error('run `npm run web:build` first: this suite drives examples/web/dist');
  mkdirSync(shots, { recursive: true });
  // The head's answers, decoded in Node from the same store, head and SQuAD file the page uses.
  await useBackend('cpu');
  const store = await openStore(join(root, DEMO_DATA.spanStore));
  const model = await loadHeadForStore(join(root, DEMO_DATA.spanHead), store);
  const out = await predictStore(model, store, { batchSize: 2 });
  if (out.task !== 'span') throw new Error('span head expected');
  const questions = readSquadQuestions(await readJsonFile(join(root, DEMO_DATA.squadFile)), DEMO_DATA.squadFile);
  for (const [id, text] of decodeSpanWindows(
    out.start,
    out.end,
    await readStoreWindows(store, { offsets: true }),
    questions,
  ).predictions)
    nodeAnswers.set(id, text);
  model.dispose();
  await store.close();
  const train = await openStore(join(root, DEMO_DATA.trainStore));
  layerCount = train.tensors[train.activations]!.shape.at(-1)!;
  await train.close();

  server = await serveFolder(built);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
  page = await context.newPage();
  page.on('request', (r) => requested.push(r.url()));
  // cumulative layout shift while the page loads (no user input yet), as Chromium reports it
  await page.addInitScript(() => {
    const w = window as unknown as { layoutShift: number };
    w.layoutShift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[])
        if (!entry.hadRecentInput) w.layoutShift += entry.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto(`${server.origin}/index.html`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
  await context.setOffline(true); // everything below runs on what the page already loaded
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the demo page', () => {
  it('does not shift its layout while loading', async () => {
    const shift = (await page.evaluate('window.layoutShift')) as number;
    expect(shift).toBeLessThan(0.05);
  });

  it('shows the backend it chose', async () => {
    expect(['webgl', 'wasm', 'cpu']).toContain(await page.textContent('#backend'));
    expect(await page.locator('#panel-train .error, #panel-answer .error').count()).toBe(0);
  });

  it('trains Tenney-small for a few epochs: accuracy per epoch and one layer-weight bar per layer', async () => {
    await page.fill('#train-epochs', '3');
    await page.click('#train-start');
    await page.waitForSelector('#train-status[data-done="true"]', { timeout: 180_000 });
    const epochs = await page.locator('#dev-accuracy li').allTextContents();
    expect(epochs).toHaveLength(3);
    for (const line of epochs)
      expect(line).toMatch(/^epoch \d: dev accuracy (0\.\d{3}|1\.000) · no-answer F1 \d\.\d{3} · loss \d+\.\d{3}$/);
    expect(await page.textContent('#train-status')).toMatch(/final dev accuracy (0\.\d{3}|1\.000)/);
    expect(await page.locator('#layer-weights [data-layer]').count()).toBe(layerCount);
    expect(await page.textContent('#layer-weights')).toMatch(/after epoch 3/);
    await page.screenshot({ path: join(shots, 'train.png'), fullPage: true });
    await page.screenshot({ path: join(shots, 'readme.png'), clip: { x: 0, y: 0, width: 1360, height: 760 } }); // docs/img/web-demo.png
  });

  it("answers questions: the highlighted text is the head's answer decoded in Node", async () => {
    await page.click('#tab-answer');
    const cards = page.locator('article.qa');
    expect(await cards.count()).toBe(nodeAnswers.size);
    let highlighted = 0;
    for (const card of await cards.all()) {
      const qid = (await card.getAttribute('data-qid'))!;
      const expected = nodeAnswers.get(qid);
      expect(expected, qid).toBeDefined();
      const mark = card.locator('mark.head-answer');
      if (expected === '') expect(await mark.count()).toBe(0);
      else {
        expect(await mark.textContent()).toBe(expected);
        highlighted++;
      }
    }
    expect(highlighted).toBeGreaterThan(0);
    expect(await page.textContent('#answer-scores')).toMatch(/Head\s*\d+\.\d\s*\d+\.\d/);
    await page.screenshot({ path: join(shots, 'answer.png'), fullPage: true });
  });

  it('shows a dropped store: its tensors, metadata and a prediction', async () => {
    await page.click('#tab-drop');
    await page.setInputFiles('#drop-input', join(root, DEMO_DATA.devStore));
    await page.waitForSelector('#drop-predictions li', { timeout: 60_000 });
    const node = await openStore(join(root, DEMO_DATA.devStore));
    expect(await page.locator('#drop-tensors tbody tr').count()).toBe(Object.keys(node.tensors).length);
    expect(await page.textContent('#drop-metadata')).toContain(node.metadata!.model_id);
    await node.close();
    expect(await page.locator('#drop-predictions li').first().textContent()).toMatch(
      /^window 0: P\(no answer\) \d\.\d{3}$/,
    );
    await page.screenshot({ path: join(shots, 'drop.png'), fullPage: true });
  });

  it('switches tabs with the keyboard', async () => {
    await page.focus('#tab-drop');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-train');
    expect(await page.isVisible('#panel-train')).toBe(true);
    expect(await page.isHidden('#panel-drop')).toBe(true);
  });

  it('asked nothing of any other origin', () => {
    const foreign = requested.filter((url) => !url.startsWith(server.origin) && !/^(data|blob):/.test(url));
    expect(foreign).toEqual([]);
  });
});
