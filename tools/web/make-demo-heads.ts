/**
 * Trains the answerability head the demo page (examples/web) ships, with bertvision's own `trainHead` on the CLS
 * train store (seeded, so a rerun gives the same head): tenney-small, 10 epochs, the final epoch's weights (the dev
 * store is the eval part, so no epoch is chosen on it), copied into examples/web/heads/. The page's span heads are
 * the reproduction's (tools/reproduce/reproduce.py writes them to data/minilm-finetuned). Which stores:
 * examples/web/src/data-config.ts (the one place the page's data paths live).
 *
 * Run: npx tsx tools/web/make-demo-heads.ts
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, trainHead } from '../../src/index.node.js';
import { DEMO_DATA } from '../../examples/web/src/data-config.js';

await initBackend({ log: console.log });
const work = mkdtempSync(join(tmpdir(), 'bv-demo-heads-'));
try {
  const heads = [
    {
      out: DEMO_DATA.answerabilityHead,
      train: DEMO_DATA.trainStore,
      dev: DEMO_DATA.devStore,
      architecture: 'tenney-small' as const,
      epochs: 10,
      batchSize: 32,
      learningRate: 1e-2,
    },
  ];
  for (const h of heads) {
    const run = join(work, h.architecture);
    const result = await trainHead({
      trainStore: h.train,
      devStore: h.dev,
      squadFile: DEMO_DATA.squadFile,
      architecture: h.architecture,
      outDir: run,
      epochs: h.epochs,
      batchSize: h.batchSize,
      learningRate: h.learningRate,
      seed: 0,
    });
    rmSync(h.out, { recursive: true, force: true });
    cpSync(result.files.model, h.out, { recursive: true });
    console.log(`${h.architecture}: best ${JSON.stringify(result.state.best)} -> ${h.out}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
