/**
 * Drop your own: a `.safetensors` / `.npy` / `.h5` store (one file, or the files of a sharded or npy-directory store)
 * and optionally a saved head (`model.json` + `weights.bin`), dropped on the page or picked with the file dialog.
 * Shows the store's tensors and metadata, and the head's prediction for its first windows. Files are read by slices,
 * never uploaded anywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { architectureOf, checkModelFitsStore, openStore, predictStore, type ActivationStore } from 'bertvision';
import { DEMO_DATA } from '../data-config.js';
import { fixed, h } from '../dom.js';
import type { DemoContext } from '../context.js';
import type { DemoTab } from '../tab.js';

/** Windows predicted for a dropped store. */
const PREDICTED = 8;

function isHeadFile(file: File): boolean {
  return file.name === 'model.json' || /^(weights|group\d+-shard\d+of\d+).*\.bin$/.test(file.name);
}

async function headFor(
  store: ActivationStore,
  headFiles: File[],
  context: DemoContext,
): Promise<{ model: tf.LayersModel; from: string }> {
  const json = headFiles.find((f) => f.name === 'model.json');
  if (json) {
    const model = await tf.loadLayersModel(tf.io.browserFiles([json, ...headFiles.filter((f) => f !== json)]));
    return { model, from: `your head (${architectureOf(model)?.architecture ?? model.name})` };
  }
  const positions = store.tensors[store.activations]!.shape[1];
  const dir = positions === 1 ? DEMO_DATA.answerabilityHead : DEMO_DATA.spanHead;
  return { model: await context.head(dir), from: `the shipped head ${dir.split('/').pop()}` };
}

function tensorTable(store: ActivationStore): HTMLElement {
  return h(
    'table',
    { class: 'tensors', id: 'drop-tensors' },
    h('caption', {}, `${store.path} · ${store.container} · ${store.numExamples} examples`),
    h('thead', {}, h('tr', {}, ...['tensor', 'shape', 'dtype'].map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      ...Object.entries(store.tensors).map(([name, t]) =>
        h('tr', {}, h('td', {}, name), h('td', {}, `[${t.shape.join(', ')}]`), h('td', {}, t.dtype)),
      ),
    ),
  );
}

async function predictionList(store: ActivationStore, model: tf.LayersModel): Promise<HTMLElement> {
  const count = Math.min(PREDICTED, store.numExamples);
  const out = await predictStore(model, store, { batchSize: 4, indices: Array.from({ length: count }, (_, i) => i) });
  const items: HTMLElement[] = [];
  for (let w = 0; w < count; w++) {
    if (out.task === 'binary') {
      const [a, b] = [out.logits[2 * w]!, out.logits[2 * w + 1]!];
      items.push(h('li', {}, `window ${w}: P(no answer) ${fixed(1 / (1 + Math.exp(a - b)), 3)}`));
    } else {
      const row = (x: Float32Array): number => {
        let best = 0;
        for (let s = 1; s < out.sequenceLength; s++)
          if (x[w * out.sequenceLength + s]! > x[w * out.sequenceLength + best]!) best = s;
        return best;
      };
      const [s, e] = [row(out.start), row(out.end)];
      items.push(
        h(
          'li',
          {},
          s === 0 && e === 0 ? `window ${w}: no answer (start and end at CLS)` : `window ${w}: answer tokens ${s}…${e}`,
        ),
      );
    }
  }
  return h('ul', { class: 'predictions', id: 'drop-predictions' }, ...items);
}

export const dropTab: DemoTab = {
  id: 'drop',
  label: 'Drop your own',
  async mount(panel, context) {
    const input = h('input', {
      id: 'drop-input',
      type: 'file',
      multiple: '',
      accept: '.safetensors,.npy,.h5,.hdf5,.json,.bin',
    }) as HTMLInputElement;
    const zone = h(
      'div',
      { class: 'dropzone', id: 'drop-zone' },
      h(
        'label',
        { for: 'drop-input' },
        'Choose or drop a store (.safetensors, .npy, .h5; several files for a sharded or npy-directory store) and optionally a saved head (model.json + weights.bin)',
      ),
      input,
    );
    const result = h(
      'div',
      { id: 'drop-result', 'aria-live': 'polite', class: 'drop-result' },
      h('p', { class: 'status' }, 'Nothing dropped yet.'),
    );
    await Promise.all(
      [DEMO_DATA.answerabilityHead, DEMO_DATA.spanHead].map(async (dir) => (await context.head(dir)).dispose()),
    ); // fetched now: works offline later
    panel.append(
      h('h2', {}, 'Drop your own store'),
      h(
        'p',
        { class: 'lead' },
        "Files stay in this page. safetensors and npy stores are read by slices, only the parts shown; HDF5 is copied into the page's memory (h5wasm), up to 1 GiB.",
      ),
      zone,
      result,
    );

    const show = async (files: File[]): Promise<void> => {
      result.replaceChildren(h('p', { class: 'status' }, `Reading ${files.map((f) => f.name).join(', ')}…`));
      const headFiles = files.filter(isHeadFile);
      const storeFiles = files.filter((f) => !isHeadFile(f));
      let store: ActivationStore | undefined;
      try {
        if (storeFiles.length === 0)
          throw new Error('no store among the files (a head alone needs a store to predict on)');
        store = await openStore(storeFiles.length === 1 ? storeFiles[0]! : { files: storeFiles });
        const parts: HTMLElement[] = [
          tensorTable(store),
          h('h3', {}, 'Metadata'),
          h(
            'pre',
            { class: 'metadata', id: 'drop-metadata' },
            store.metadata
              ? JSON.stringify(
                  {
                    ...store.metadata,
                    example_ids: store.metadata.example_ids ? `[${store.metadata.example_ids.length} ids]` : undefined,
                  },
                  null,
                  2,
                )
              : '(none)',
          ),
        ];
        const { model, from } = await headFor(store, headFiles, context);
        try {
          checkModelFitsStore(model, store);
          parts.push(h('h3', {}, `Prediction of ${from} for the first windows`), await predictionList(store, model));
        } catch (error) {
          parts.push(h('p', { class: 'error', role: 'alert' }, `No prediction: ${(error as Error).message}`));
        } finally {
          model.dispose();
        }
        result.replaceChildren(...parts);
      } catch (error) {
        result.replaceChildren(h('p', { class: 'error', role: 'alert' }, (error as Error).message));
      } finally {
        await store?.close();
      }
    };
    input.addEventListener('change', () => void show([...(input.files ?? [])]));
    zone.addEventListener('dragover', (event) => {
      event.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('over');
      void show([...(event.dataTransfer?.files ?? [])]);
    });
  },
};
