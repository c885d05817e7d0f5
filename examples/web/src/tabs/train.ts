/**
 * Train: Tenney-small (a learned mix of the layers' CLS vectors + Dense(2)) trained in the page on the shipped CLS
 * store, with a live loss curve, the dev accuracy of every epoch on held-out questions, and the learned layer-weight
 * bars with their centre of gravity redrawn after each epoch.
 */
import type * as tf from '@tensorflow/tfjs';
import {
  binaryWindowMetrics,
  fit,
  getArchitecture,
  layerMixes,
  layerWeightsSvg,
  openStore,
  predictStore,
  readStoreWindows,
  storeBatchSource,
  withSeededRandom,
  type ActivationStore,
} from 'bertvision';
import { DEMO_DATA } from '../data-config.js';
import { fixed, h } from '../dom.js';
import { lossCurveSvg } from '../loss-curve.js';
import type { DemoTab } from '../tab.js';

function weightsSvg(model: tf.LayersModel, channels: string[], epoch: number): string {
  const mix = layerMixes(model)[0]!;
  return layerWeightsSvg({
    weights: mix.weights,
    labels: channels,
    gamma: mix.gamma,
    title: epoch === 0 ? 'Layer weights (initial)' : `Layer weights after epoch ${epoch}`,
    width: 640,
    height: 300,
  });
}

function numberField(id: string, label: string, value: string, attrs: Record<string, string>): HTMLElement {
  return h(
    'p',
    { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, type: 'number', value, required: '', ...attrs }),
  );
}

export const trainTab: DemoTab = {
  id: 'train',
  label: 'Train',
  async mount(panel, context) {
    const [train, dev] = (await Promise.all(
      [DEMO_DATA.trainStore, DEMO_DATA.devStore].map(async (path) =>
        openStore(await context.bytes(path), { name: path }),
      ),
    )) as [ActivationStore, ActivationStore];
    const questions = await context.questions();
    const windows = await readStoreWindows(dev);
    const shape = train.tensors[train.activations]!.shape;
    const channels = train.metadata?.channels ?? shape.slice(-1).map((_, i) => String(i));
    const form = h(
      'form',
      { class: 'controls', 'aria-label': 'Training settings' },
      numberField('train-epochs', 'Epochs', '8', { min: '1', max: '50', step: '1' }),
      numberField('train-lr', 'Learning rate', '0.01', { min: '0.0001', max: '1', step: '0.0001' }),
      numberField('train-batch', 'Batch size', '32', { min: '1', max: '307', step: '1' }),
      h('button', { type: 'submit', id: 'train-start' }, 'Train'),
    );
    const status = h(
      'p',
      { id: 'train-status', class: 'status', 'aria-live': 'polite' },
      `Ready: ${train.numExamples} training windows, ${dev.numExamples} held-out windows, backend ${context.backend}.`,
    );
    const loss = h('figure', { id: 'loss-curve', class: 'figure' }, h('figcaption', {}, 'Training loss'));
    const weights = h(
      'figure',
      { id: 'layer-weights', class: 'figure' },
      h('figcaption', {}, 'Learned layer weights; the marker is the centre of gravity'),
    );
    const accuracy = h('ol', { id: 'dev-accuracy', class: 'epochs', 'aria-label': 'Dev accuracy per epoch' });
    panel.append(
      h('h2', {}, 'Train Tenney-small in this page'),
      h(
        'p',
        { class: 'lead' },
        `Answerability (does the window hold an answer?) from the CLS vectors of ${channels.length} layers of ${train.metadata?.model_id ?? 'the encoder'}: a softmax mix of the layers + Dense(2). Dev accuracy is question-level, on ${windows.exampleIds.length} held-out questions.`,
      ),
      form,
      status,
      h('div', { class: 'grid2' }, loss, weights),
      h('h3', {}, 'Dev accuracy per epoch'),
      accuracy,
    );
    const lossPlot = h('div', { class: 'plot' });
    const weightsPlot = h('div', { class: 'plot' });
    loss.append(lossPlot);
    weights.append(weightsPlot);
    lossPlot.innerHTML = lossCurveSvg([], []);
    const build = (learningRate: number): tf.LayersModel =>
      withSeededRandom(0, () =>
        getArchitecture('tenney-small').build({
          inputShape: [shape[1]!, shape[2]!, shape[3]!],
          optimizer: { learningRate },
        }),
      );
    const preview = build(0.01);
    weightsPlot.innerHTML = weightsSvg(preview, channels, 0);
    preview.dispose();

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const read = (id: string): number => Number((document.getElementById(id) as HTMLInputElement).value);
      const epochs = read('train-epochs');
      const batchSize = read('train-batch');
      const button = document.getElementById('train-start') as HTMLButtonElement;
      button.disabled = true;
      accuracy.replaceChildren();
      const losses: number[] = [];
      const epochEnds: number[] = [];
      const model = build(read('train-lr'));
      weightsPlot.innerHTML = weightsSvg(model, channels, 0);
      const source = storeBatchSource(train, {
        batchSize,
        labels: 'binary',
        shuffle: { seed: 0 },
        prefetch: 2,
        oneHot: true,
      });
      void fit(model, {
        train: source,
        epochs,
        evaluate: async (m) => {
          const out = await predictStore(m, dev, { batchSize: 64 });
          if (out.task !== 'binary') throw new Error('Tenney-small should give binary logits');
          return binaryWindowMetrics(out.logits, windows, questions);
        },
        monitor: { metric: 'f1', mode: 'max' },
        onProgress: (p) => {
          losses.push(p.loss);
          lossPlot.innerHTML = lossCurveSvg(losses, epochEnds);
          status.textContent = `Training on ${context.backend}: epoch ${p.epoch + 1}/${p.epochs}, batch ${p.batch + 1}/${p.batchesPerEpoch}, loss ${fixed(p.loss)}`;
        },
        onEpochEnd: (summary) => {
          epochEnds.push(losses.length);
          lossPlot.innerHTML = lossCurveSvg(losses, epochEnds);
          weightsPlot.innerHTML = weightsSvg(model, channels, summary.epoch);
          const m = summary.metrics;
          accuracy.append(
            h(
              'li',
              { 'data-epoch': String(summary.epoch) },
              `epoch ${summary.epoch}: dev accuracy ${fixed(m.accuracy)} · no-answer F1 ${fixed(m.f1)} · loss ${fixed(summary.loss)}`,
            ),
          );
          status.textContent = `Epoch ${summary.epoch}/${epochs} on ${context.backend}: dev accuracy ${fixed(m.accuracy)} (${m.questions} questions)`;
        },
      })
        .then((result) => {
          const best = result.state.best;
          status.textContent = `Done on ${context.backend}: ${epochs} epochs, final dev accuracy ${fixed(result.state.history.at(-1)?.metrics.accuracy)}${best ? `, best no-answer F1 ${fixed(best.value)} at epoch ${best.epoch}` : ''}.`;
          status.dataset.done = 'true';
        })
        .catch((error: Error) => {
          status.textContent = `Training failed: ${error.message}`;
        })
        .finally(() => {
          model.optimizer?.dispose();
          model.dispose();
          button.disabled = false;
        });
    });
  },
};
