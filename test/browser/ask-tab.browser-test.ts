/**
 * The demo page's Ask tab in Debian's chromium, with an ONNX encoder made in setup from PRETRAINED all-MiniLM-L6-v2
 * (cached; pretrained weights are enough for an equality check): for a few dev contexts and questions, the answer
 * the page highlights is the one `createQaPipeline` gives in Node for the same text, encoder and head, and the layer
 * mix is drawn. Without the ONNX file the tab says how to make it; with a sidecar of another hidden size it says the
 * head does not fit. Needs `npm run web:build` first. Screenshots go to .tmp/web-screenshots/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createQaPipeline,
  loadModel,
  loadOnnxEncoder,
  loadTokenizer,
  readSquadQuestions,
  type QaAnswer,
} from '../../src/index.node.js';
import { readJsonFile } from '../../src/jobs/json-files.js';
import { askWindowSettings } from '../../examples/web/src/ask-settings.js';
import { DEMO_DATA } from '../../examples/web/src/data-config.js';
import { useBackend } from '../helpers/backends.js';
import { serveFolder, type RangeServer } from '../helpers/range-server.js';
import { pageTree, pretrainedMinilmOnnx } from './ask-model.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = join(root, 'examples/web/dist');
const shots = join(root, '.tmp/web-screenshots');
const sites = join(root, '.tmp/ask-sites');
const QUESTIONS = 3;
let server: RangeServer;
let browser: Browser;
let page: Page;
const requested: string[] = [];
const cases: { context: string; question: string; node: QaAnswer }[] = [];

async function openAsk(site: string): Promise<void> {
  await page.goto(`${server.origin}/${site}/index.html`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
  await page.click('#tab-ask');
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const onnx = pretrainedMinilmOnnx(root);
  const sidecar = JSON.parse(readFileSync(onnx.replace(/\.onnx$/, '.json'), 'utf8')) as Record<string, unknown>;
  pageTree(built, join(sites, 'with'), {
    [DEMO_DATA.askModel]: onnx,
    [DEMO_DATA.askModelSidecar]: onnx.replace(/\.onnx$/, '.json'),
  });
  pageTree(built, join(sites, 'without'), {});
  pageTree(built, join(sites, 'mismatch'), {
    [DEMO_DATA.askModel]: onnx,
    [DEMO_DATA.askModelSidecar]: { json: { ...sidecar, hidden_size: 768, num_layers: 12 } },
  });

  // The answers in Node: same tokenizer, ONNX file, head and windows as the page.
  await useBackend('cpu');
  const head = await loadModel(join(root, DEMO_DATA.askHead));
  const qa = createQaPipeline({
    tokenizer: await loadTokenizer(join(root, DEMO_DATA.tokenizer)),
    encoder: await loadOnnxEncoder(onnx),
    head,
    windows: askWindowSettings(head),
  });
  const questions = readSquadQuestions(await readJsonFile(join(root, DEMO_DATA.squadFile)), DEMO_DATA.squadFile);
  for (const q of questions.filter((x) => x.hasAnswer).slice(0, QUESTIONS))
    cases.push({ context: q.context, question: q.question, node: await qa.answer(q.question, q.context) });

  server = await serveFolder(sites);
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
  page = await (await browser.newContext({ viewport: { width: 1360, height: 1000 } })).newPage();
  page.on('request', (r) => requested.push(r.url()));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the Ask tab', () => {
  it("highlights the answer createQaPipeline gives in Node, with its score and the head's layer mix", async () => {
    await openAsk('with');
    expect(await page.locator('#ask-layer-mix svg [data-layer]').count()).toBe(7);
    let highlighted = 0;
    for (const [i, { context, question, node }] of cases.entries()) {
      await page.fill('#ask-context', context);
      await page.fill('#ask-question', question);
      await page.click('#ask-submit');
      await page.waitForSelector('#ask-status[data-done]', { timeout: 300_000 });
      expect(await page.getAttribute('#ask-status', 'data-done'), (await page.textContent('#ask-status')) ?? '').toBe(
        'true',
      );
      expect(await page.getAttribute('.ask-head', 'data-answer')).toBe(node.answer);
      const mark = page.locator('#ask-context-view mark');
      if (node.end > node.start) {
        expect(await mark.textContent()).toBe(context.slice(node.start, node.end));
        expect(await mark.getAttribute('class')).toBe(node.answer === '' ? 'ask-best' : 'ask-answer');
        if (node.answer !== '') highlighted++;
      } else expect(await mark.count()).toBe(0);
      const line = (await page.textContent('.ask-head'))!;
      const [score, noAnswer] = [/score (\d\.\d{3})/, /P\(no answer\) (\d\.\d{3})/].map((r) =>
        Number(r.exec(line)![1]),
      );
      expect(Math.abs(score! - node.score)).toBeLessThan(2e-3);
      expect(Math.abs(noAnswer! - node.noAnswerProbability)).toBeLessThan(2e-3);
      await page.screenshot({ path: join(shots, `ask-${i}.png`), fullPage: true });
    }
    expect(highlighted).toBeGreaterThan(0);
  });

  it('says how to make the ONNX file when the build has none', async () => {
    await openAsk('without');
    expect(await page.textContent('#ask-missing')).toContain(`${DEMO_DATA.askModel}, which is not in this build`);
    expect(await page.textContent('#ask-missing code')).toBe('npm run web:model');
    expect(await page.isDisabled('#ask-submit')).toBe(true);
    await page.screenshot({ path: join(shots, 'ask-missing.png'), fullPage: true });
  });

  it('says the head does not fit an encoder of another size', async () => {
    await openAsk('mismatch');
    expect(await page.textContent('#ask-mismatch')).toMatch(
      /does not fit the encoder .*hidden size 384, the encoder's is 768; 7 hidden states \(embeddings \+ 6 layers\), the encoder gives 13/,
    );
    expect(await page.isDisabled('#ask-submit')).toBe(true);
  });

  it('asked nothing of any other origin', () => {
    const foreign = requested.filter((url) => !url.startsWith(server.origin) && !/^(data|blob):/.test(url));
    expect(foreign).toEqual([]);
  });
});
