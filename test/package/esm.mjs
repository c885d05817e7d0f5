// Smoke test of the PACKED package as a downstream ESM project uses it (run by test/package/run.sh).
import assert from 'node:assert/strict';
import {
  BertConcat,
  architectures,
  buildBinaryAdapter,
  evaluateSquadV2,
  initBackend,
  layerWeightsSvg,
  nativeKernelStatus,
} from 'bertvision';

const choice = await initBackend();
assert.equal(choice.backend, 'wasm');
const model = buildBinaryAdapter('tenney-small');
assert.equal(model.countParams(), 2077);
assert.ok(model.layers.some((l) => l instanceof BertConcat));
assert.equal(Object.keys(architectures).length, 18);
const result = evaluateSquadV2([{ id: 'q', goldTexts: ['the Normans'], hasAnswer: true, question: '', context: '' }], {
  q: 'Normans',
});
assert.equal(result.metrics.exact, 100);
assert.equal(layerWeightsSvg({ weights: [0.2, 0.8] }).match(/data-layer=/g).length, 2); // d3 is bundled
// the install script built the native kernels inside the installed package (CI requires it; elsewhere it may not)
const native = nativeKernelStatus();
if (process.env.BERTVISION_REQUIRE_NATIVE === '1') {
  assert.equal(native.loaded, true, native.reason);
  assert.match(native.path, /node_modules\/bertvision\/native\/build\/bertvision_native\.node$/);
}
console.log(`esm: ok (native kernels: ${native.loaded ? 'built' : native.reason})`);
