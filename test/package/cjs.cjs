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
  // the CommonJS build finds the same native addon (it locates it from __filename, ESM from import.meta.url)
  const native = bv.nativeKernelStatus();
  if (process.env.BERTVISION_REQUIRE_NATIVE === '1') assert.equal(native.loaded, true, native.reason);
  console.log(`cjs: ok (native kernels: ${native.loaded ? 'built' : native.reason})`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
