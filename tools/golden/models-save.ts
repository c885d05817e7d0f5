/**
 * Interop check, TS → Python: build every architecture at a small size with random weights, save it with
 * `saveModel`, and write the input and bertvision's predictions next to it. `tools/golden/models.py --verify-saved
 * DIR` then rebuilds each model in Keras from the saved files alone (model.json metadata + weights.bin read by the
 * manifest) and checks Keras predicts the same.
 *
 * Usage: npx tsx tools/golden/models-save.ts <out-dir>
 */
import * as tf from '@tensorflow/tfjs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARCHITECTURE_NAMES, getArchitecture } from '../../src/models/index.js';
import { saveModel } from '../../src/jobs/model-files.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: npx tsx tools/golden/models-save.ts <out-dir>');
  process.exit(2);
}
await tf.setBackend('cpu');

for (const [i, name] of ARCHITECTURE_NAMES.entries()) {
  if (name === 'xception') continue; // 20.7M parameters; the same layer types as xception-abbreviated
  const info = getArchitecture(name);
  const inputShape = name.startsWith('xception')
    ? ([1, 48, 6] as const)
    : info.task === 'binary'
      ? ([1, 16, 6] as const)
      : ([8, 16, 5] as const);
  const model = info.build({
    inputShape,
    ...(info.defaultAdapterDim === null ? {} : { adapterDim: 4 }),
    compile: false,
  });
  for (const layer of model.layers) {
    const values = layer.weights.map((w, j) => {
      const noise = tf.randomNormal(w.shape as number[], 0, 0.5, 'float32', 100 * i + j);
      return w.originalName.endsWith('moving_variance') ? tf.add(tf.abs(noise), 1) : noise;
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
  const x = tf.randomNormal([2, ...inputShape], 0, 1, 'float32', i);
  const y = model.predict(x) as tf.Tensor | tf.Tensor[];
  const outputs = (Array.isArray(y) ? y : [y]).map((t) => Array.from(t.dataSync()));
  const dir = join(out, name);
  await saveModel(model, dir);
  await writeFile(
    join(dir, 'check.json'),
    JSON.stringify({ input: Array.from(x.dataSync()), shape: x.shape, outputs }),
  );
  tf.dispose([x, y]);
  model.dispose();
}
console.error(`wrote ${ARCHITECTURE_NAMES.length - 1} models under ${out}`);
