/**
 * Interop check, TS → Python: every seed head of tools/golden/interop.py, built by bertvision at the same small size
 * with random weights, saved with saveKerasWeights (Keras 2 HDF5), and the seed's torch head saved with
 * saveTorchStateDict; next to each file a JSON with the input and bertvision's outputs.
 * `tools/golden/interop.py --verify-ts DIR` then loads each file with the seed's own code (tf-keras `load_weights`,
 * torch `load_state_dict(strict=True)`) and checks it predicts the same.
 *
 * Usage: npx tsx tools/golden/interop-export.ts <out-dir>
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { saveKerasWeights, saveTorchStateDict } from '../../src/index.node.js';
import { getArchitecture, type ArchitectureName } from '../../src/models/index.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: npx tsx tools/golden/interop-export.ts <out-dir>');
  process.exit(2);
}
await tf.setBackend('cpu');
await mkdir(out, { recursive: true });

interface Case {
  inputShape: [number, number, number];
  adapterDim: number | null;
  batch: number;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/interop/cases.json', import.meta.url), 'utf8'),
) as {
  cases: Record<ArchitectureName, Case>;
  torch: { inputShape: [number, number, number]; batch: number };
};

function randomize(model: tf.LayersModel, seed: number): void {
  model.layers.forEach((layer, i) => {
    const values = layer.weights.map((w, j) => {
      const noise = tf.randomNormal(w.shape as number[], 0, 0.3, 'float32', seed * 100 + i * 10 + j);
      return w.originalName.endsWith('moving_variance') ? tf.add(tf.abs(noise), 1) : noise;
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  });
}

async function record(model: tf.LayersModel, stem: string, meta: Record<string, unknown>, seed: number): Promise<void> {
  const shape = [2, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const x = tf.randomNormal(shape, 0, 1, 'float32', seed);
  const y = model.predict(x) as tf.Tensor | tf.Tensor[];
  const outputs = (Array.isArray(y) ? y : [y]).map((t) => Array.from(t.dataSync()));
  await writeFile(
    join(out!, `${stem}.json`),
    JSON.stringify({ ...meta, input: Array.from(x.dataSync()), shape, outputs }),
  );
  tf.dispose([x, y]);
}

let seed = 1;
for (const [name, c] of Object.entries(fixture.cases) as [ArchitectureName, Case][]) {
  const model = getArchitecture(name).build({
    inputShape: c.inputShape,
    ...(c.adapterDim === null ? {} : { adapterDim: c.adapterDim }),
    compile: false,
  });
  randomize(model, seed);
  await saveKerasWeights(model, join(out, `${name}.h5`));
  await record(model, name, { kind: 'keras', architecture: name, file: `${name}.h5` }, seed++);
  model.dispose();
}
const [s, e, l] = fixture.torch.inputShape;
const torchHead = getArchitecture('adapter-386').build({
  inputShape: [s, e, l],
  adapterDim: s,
  adapterActivation: 'gelu',
  compile: false,
});
randomize(torchHead, seed);
await saveTorchStateDict(torchHead, join(out, 'ap-squad.safetensors'));
await record(torchHead, 'ap-squad', { kind: 'torch', file: 'ap-squad.safetensors' }, seed);
torchHead.dispose();
console.error(`wrote ${Object.keys(fixture.cases).length} Keras weights files and 1 torch state dict under ${out}`);
