/**
 * Ask: type a context and a question; the ONNX encoder (onnxruntime-web, wasm) gives every hidden state of each
 * window, the Ask span head turns them into start/end logits and the library's decoder picks the answer, shown
 * highlighted in the context with its score and no-answer probability, next to the head's learned layer mix. When the
 * encoder has its own QA head (the fine-tuned checkpoint), its answer is shown too. Without the ONNX file the tab says
 * how to make it.
 */
import type * as tf from '@tensorflow/tfjs';
import {
  createOnnxEncoder,
  createQaPipeline,
  layerMixes,
  layerWeightsSvg,
  tokenizerFromJson,
  type QaAnswer,
  type QaPipeline,
} from 'bertvision';
import { askFitProblem, askWindowSettings, headModelId, layerLabels, type EncoderSidecar } from '../ask-settings.js';
import type { DemoContext } from '../context.js';
import { DEMO_DATA } from '../data-config.js';
import { fixed, h } from '../dom.js';
import { loadOrtWeb } from '../onnx.js';
import type { DemoTab } from '../tab.js';

/** The how-to shown when the page was built without the ONNX file. */
function missingModel(): HTMLElement {
  return h(
    'div',
    { class: 'howto', id: 'ask-missing', role: 'note' },
    h('p', {}, `This tab needs the ONNX encoder ${DEMO_DATA.askModel}, which is not in this build. Make it with`),
    h('pre', {}, h('code', {}, DEMO_DATA.askModelCommand)),
    h(
      'p',
      {},
      `which exports the reproduction’s fine-tuned checkpoint (${DEMO_DATA.askCheckpoint}) with ` +
        'tools/onnx/export.py (another checkpoint: ',
      h('code', {}, `${DEMO_DATA.askModelCommand} -- --model <HF model dir>`),
      '), then rebuild and serve the page: ',
      h('code', {}, 'npm run web'),
      '.',
    ),
  );
}

function layerMixFigure(head: tf.LayersModel): HTMLElement {
  const figure = h('figure', { id: 'ask-layer-mix', class: 'figure' });
  const mix = layerMixes(head)[0];
  if (!mix) {
    figure.append(h('figcaption', {}, `The head ${head.name} has no learned layer mix (BertConcat) to show.`));
    return figure;
  }
  const plot = h('div', { class: 'plot' });
  plot.innerHTML = layerWeightsSvg({
    weights: mix.weights,
    labels: layerLabels(head),
    gamma: mix.gamma,
    title: `Layer mix of ${head.name}`,
    width: 640,
    height: 300,
  });
  figure.append(
    h('figcaption', {}, 'The learned layer weights that mix the hidden states into this answer (softmax, γ scale)'),
    plot,
  );
  return figure;
}

function highlighted(context: string, answer: QaAnswer): HTMLElement[] {
  const p = h('p', { class: 'context', id: 'ask-context-view' });
  if (answer.end <= answer.start) {
    p.append(context);
    return [p];
  }
  const cls = answer.answer === '' ? 'ask-best' : 'ask-answer';
  const title = answer.answer === '' ? 'best span, below the no-answer score' : 'answer';
  p.append(
    context.slice(0, answer.start),
    h('mark', { class: cls, title }, context.slice(answer.start, answer.end)),
    context.slice(answer.end),
  );
  if (answer.answer !== '') return [p];
  return [p, h('p', { class: 'prob' }, 'Outlined: the head’s best span, which its no-answer score beats.')];
}

function answerLine(label: string, cls: string, answer: QaAnswer): HTMLElement {
  return h(
    'p',
    { class: `ask-line ${cls}`, 'data-answer': answer.answer },
    h('strong', {}, `${label}: `),
    answer.answer === '' ? '(no answer)' : `“${answer.answer}”`,
    h(
      'span',
      { class: 'prob' },
      ` · score ${fixed(answer.score, 3)} · P(no answer) ${fixed(answer.noAnswerProbability, 3)} · ${answer.windows} window${answer.windows === 1 ? '' : 's'}`,
    ),
  );
}

/** The pipelines, made on first use: the head's, and the encoder's own when it has a QA head. */
async function makePipelines(
  context: DemoContext,
  head: tf.LayersModel,
  sidecar: EncoderSidecar,
): Promise<{ head: QaPipeline; own: QaPipeline | undefined }> {
  const [ort, model, tokenizerBytes] = await Promise.all([
    loadOrtWeb(),
    context.bytes(DEMO_DATA.askModel),
    context.bytes(DEMO_DATA.tokenizer),
  ]);
  const info = {
    ...(sidecar.model_id === undefined ? {} : { modelId: sidecar.model_id }),
    ...(sidecar.hidden_size === undefined ? {} : { hiddenSize: sidecar.hidden_size }),
    ...(sidecar.num_layers === undefined ? {} : { numLayers: sidecar.num_layers }),
  };
  const encoder = await createOnnxEncoder(model, { ort, info });
  const tokenizer = tokenizerFromJson(new TextDecoder().decode(tokenizerBytes), DEMO_DATA.tokenizer);
  const windows = askWindowSettings(head);
  return {
    head: createQaPipeline({ tokenizer, encoder, head, windows }),
    own: encoder.hasQaHead ? createQaPipeline({ tokenizer, encoder }) : undefined, // run_qa's windows
  };
}

async function readSidecar(context: DemoContext): Promise<EncoderSidecar | undefined> {
  try {
    return JSON.parse(new TextDecoder().decode(await context.bytes(DEMO_DATA.askModelSidecar))) as EncoderSidecar;
  } catch {
    return undefined;
  }
}

export const askTab: DemoTab = {
  id: 'ask',
  label: 'Ask',
  async mount(panel, context) {
    const head = await context.head(DEMO_DATA.askHead);
    const sample = (await context.questions()).find((q) => q.hasAnswer);
    const contextInput = h('textarea', { id: 'ask-context', rows: '7', required: '' }) as HTMLTextAreaElement;
    contextInput.value = sample?.context ?? '';
    const questionInput = h('input', { id: 'ask-question', type: 'text', required: '' }) as HTMLInputElement;
    questionInput.value = sample?.question ?? '';
    const button = h('button', { type: 'submit', id: 'ask-submit' }, 'Ask') as HTMLButtonElement;
    const form = h(
      'form',
      { class: 'ask-form', 'aria-label': 'Question and context' },
      h('p', { class: 'field wide' }, h('label', { for: 'ask-context' }, 'Context'), contextInput),
      h('p', { class: 'field wide' }, h('label', { for: 'ask-question' }, 'Question'), questionInput),
      button,
    );
    const status = h('p', { id: 'ask-status', class: 'status', 'aria-live': 'polite' });
    const result = h('div', { id: 'ask-result', 'aria-live': 'polite' });
    panel.append(
      h('h2', {}, 'Ask your own question'),
      h(
        'p',
        { class: 'lead' },
        `The encoder runs in this page (onnxruntime-web, wasm) and gives every hidden state of each ${askWindowSettings(head).maxSeqLength}-token window; ` +
          `the span head ${head.name} (trained on the activations of ${headModelId(head) ?? 'an encoder'}) gives start/end logits, decoded over all windows as run_qa.py does.`,
      ),
      h('div', { class: 'grid2 ask-grid' }, h('div', {}, form, status, result), layerMixFigure(head)),
    );
    const sidecar = await readSidecar(context);
    const problem = sidecar ? askFitProblem(head, sidecar, DEMO_DATA.askHead) : undefined;
    if (!sidecar || problem) {
      button.disabled = true;
      panel.dataset.state = sidecar ? 'mismatch' : 'missing-model';
      status.replaceWith(
        sidecar ? h('p', { class: 'error', id: 'ask-mismatch', role: 'alert' }, problem!) : missingModel(),
      );
      return;
    }
    let pipelines: ReturnType<typeof makePipelines> | undefined;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      button.disabled = true;
      delete status.dataset.done;
      status.textContent = pipelines
        ? 'Answering…'
        : `Loading the encoder (${sidecar.model_id ?? DEMO_DATA.askModel})…`;
      pipelines ??= makePipelines(context, head, sidecar);
      const question = questionInput.value;
      const text = contextInput.value;
      void (async () => {
        const qa = await pipelines!;
        const started = performance.now();
        const answer = await qa.head.answer(question, text);
        const own = qa.own ? await qa.own.answer(question, text) : undefined;
        result.replaceChildren(
          answerLine(`Head (${head.name})`, 'ask-head', answer),
          ...(own ? [answerLine('Fine-tuned model’s own QA head', 'ask-own', own)] : []),
          ...highlighted(text, answer),
        );
        status.textContent = `Answered in ${fixed((performance.now() - started) / 1000, 2)} s on ${context.backend} (tfjs) + onnxruntime-web (wasm).`;
        status.dataset.done = 'true';
      })()
        .catch((error: Error) => {
          pipelines = undefined;
          status.textContent = `Could not answer: ${error.message}`;
          status.dataset.done = 'error';
        })
        .finally(() => {
          button.disabled = false;
        });
    });
  },
};
