/**
 * Trains the heads the demo page (examples/web) ships, with bertvision's own `trainHead` on the shipped stores
 * (seeded, so a rerun gives the same heads), and copies each best model into examples/web/heads/:
 * - the answerability head: tenney-small on the CLS train store, best dev no-answer F1 on the CLS eval store;
 * - the span head: adapter-64 on the 6-window span store. That store is all the span activations shipped, so this
 *   head is trained and shown on the same windows (the page says so) until held-out span windows ship;
 * - the Ask head: learned-pooling (a softmax mix of the layers + position-wise Dense(2), so the Ask tab has a learned
 *   layer mix to show) on the same span store.
 * Which stores: examples/web/src/data-config.ts (the one place the page's data paths live).
 *
 * Run: npx tsx tools/web/make-demo-heads.ts [architecture...]  (default: every head; e.g. `learned-pooling` alone)
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
    {
      out: DEMO_DATA.spanHead,
      train: DEMO_DATA.spanStore,
      dev: DEMO_DATA.spanStore,
      architecture: 'adapter-64' as const,
      epochs: 15,
      batchSize: 2,
      learningRate: 3e-3,
    },
    {
      out: DEMO_DATA.askHead,
      train: DEMO_DATA.spanStore,
      dev: DEMO_DATA.spanStore,
      architecture: 'learned-pooling' as const,
      epochs: 30,
      batchSize: 2,
      learningRate: 1e-2,
    },
  ];
  const only = process.argv.slice(2);
  for (const h of heads.filter((head) => only.length === 0 || only.includes(head.architecture))) {
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
    cpSync(result.files.bestModel ?? result.files.model, h.out, { recursive: true });
    console.log(`${h.architecture}: best ${JSON.stringify(result.state.best)} -> ${h.out}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
