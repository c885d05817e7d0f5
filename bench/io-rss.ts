/**
 * Child process of bench/io-read.bench.ts: opens one store, then reads every example in batches of B into a
 * reused float32 buffer, sampling RSS after every batch. Prints JSON: the peak RSS sampled during the reads
 * (what grows with the store, if anything) and the process's maximum RSS (which also includes the one-off
 * start-up peak of loading and compiling h5wasm). Usage: tsx bench/io-rss.ts <store> <B>
 */
import { openStore } from '../src/index.node.js';

const [path, batchText] = process.argv.slice(2);
const store = await openStore(path!);
const batch = Number(batchText);
const per = store.tensors[store.activations]!.shape.slice(1).reduce((a, b) => a * b, 1);
const out = new Float32Array(batch * per);
let readPeak = process.memoryUsage.rss();
for (let i = 0; i + batch <= store.numExamples; i += batch) {
  await store.read(store.activations, i, batch, out);
  readPeak = Math.max(readPeak, process.memoryUsage.rss());
}
await store.close();
console.log(
  JSON.stringify({ readPeakRss: readPeak, maxRss: process.resourceUsage().maxRSS * 1024, examples: store.numExamples }),
);
