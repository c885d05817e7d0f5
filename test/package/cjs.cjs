// Smoke test of the PACKED package as a downstream CommonJS project uses it (run by test/package/run.sh).
const assert = require('node:assert/strict');
const path = require('node:path');
const bv = require('bertvision');

(async () => {
  await bv.initBackend({ backend: 'cpu' });
  const store = await bv.openStore(path.join(process.argv[2], 'data/minilm/cls-eval-200q.h5')); // h5wasm from CJS
  assert.equal(store.numExamples, 200);
  await store.close();
  assert.equal(bv.buildSpanAdapter('adapter-386').countParams(), 414952);
  console.log('cjs: ok');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
