// Smoke test of the PACKED package as a downstream ESM project uses it (run by test/package/run.sh).
import assert from 'node:assert/strict';
import { BertConcat, architectures, buildBinaryAdapter, evaluateSquadV2, initBackend, layerWeightsSvg } from 'bertvision';

const choice = await initBackend();
assert.equal(choice.backend, 'wasm');
const model = buildBinaryAdapter('tenney-small');
assert.equal(model.countParams(), 2077);
assert.ok(model.layers.some((l) => l instanceof BertConcat));
assert.equal(Object.keys(architectures).length, 18);
const result = evaluateSquadV2([{ id: 'q', goldTexts: ['the Normans'], hasAnswer: true, question: '', context: '' }], { q: 'Normans' });
assert.equal(result.metrics.exact, 100);
assert.equal(layerWeightsSvg({ weights: [0.2, 0.8] }).match(/data-layer=/g).length, 2); // d3 is bundled
console.log('esm: ok');
