/**
 * Answer: held-out questions answered from the shipped span store. For each question, the context with the head's
 * answer highlighted, next to the gold answers and the fine-tuned backbone's own answer (decoded from the store's
 * start/end logits with the same decoder), the head's no-answer probability, and the official SQuAD 2.0 EM/F1 of the
 * answers on the page.
 */
import {
  decodeSpanWindows,
  evaluateSquadV2,
  openStore,
  predictStore,
  readStoreWindows,
  type QaDecodeResult,
  type SquadQuestion,
} from 'bertvision';
import { locateAnswer } from '../answer-spans.js';
import { DEMO_DATA } from '../data-config.js';
import { fixed, h } from '../dom.js';
import type { DemoTab } from '../tab.js';

/** Probability of the null answer in the decoder's n-best list (softmax over the candidates' scores). */
function noAnswerProbability(decoded: QaDecodeResult, id: string): number {
  return decoded.nbest.get(id)?.find((e) => e.text === '' && !e.placeholder)?.probability ?? 0;
}

function contextWithMark(context: string, span: { start: number; end: number } | undefined): HTMLElement {
  const p = h('p', { class: 'context' });
  if (!span) {
    p.append(context);
    return p;
  }
  p.append(
    context.slice(0, span.start),
    h('mark', { class: 'head-answer' }, context.slice(span.start, span.end)),
    context.slice(span.end),
  );
  return p;
}

function answerText(text: string): string {
  return text === '' ? '(no answer)' : `“${text}”`;
}

export const answerTab: DemoTab = {
  id: 'answer',
  label: 'Answer',
  async mount(panel, context) {
    const store = await openStore(context.url(DEMO_DATA.spanStore)); // read by HTTP range requests
    const model = await context.head(DEMO_DATA.spanHead);
    const allQuestions = await context.questions();
    const windows = await readStoreWindows(store, { offsets: true });
    const ids = new Set(windows.exampleIds);
    const questions: SquadQuestion[] = allQuestions.filter((q) => ids.has(q.id));
    const out = await predictStore(model, store, { batchSize: 2 });
    model.dispose();
    if (out.task !== 'span') throw new Error('the shipped span head gives no span logits');
    const bertStart = (await store.read('start_logits', 0, store.numExamples)) as Float32Array;
    const bertEnd = (await store.read('end_logits', 0, store.numExamples)) as Float32Array;
    await store.close();
    const head = decodeSpanWindows(out.start, out.end, windows, questions);
    const bert = decodeSpanWindows(bertStart, bertEnd, windows, questions);
    const headScore = evaluateSquadV2(questions, head.predictions).metrics;
    const bertScore = evaluateSquadV2(questions, bert.predictions).metrics;

    panel.append(
      h('h2', {}, 'Answer held-out questions'),
      h(
        'p',
        { class: 'lead' },
        `${questions.length} questions of the eval part, answered by a span head (${model.name}) on the activations of ${store.metadata?.model_id ?? 'the encoder'}, ` +
          `decoded with the library's decoder (transformers' postprocess_qa_predictions). ` +
          (DEMO_DATA.spanHeadInSample
            ? 'The shipped head was trained on these same windows (the only span activations shipped so far), so its answers are in-sample.'
            : ''),
      ),
      h(
        'table',
        { class: 'scores', id: 'answer-scores' },
        h('caption', {}, `Official SQuAD 2.0 scores of the answers on this page (${questions.length} questions)`),
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, 'EM'), h('th', { scope: 'col' }, 'F1')),
        ),
        h(
          'tbody',
          {},
          h(
            'tr',
            { 'data-who': 'head' },
            h('th', { scope: 'row' }, 'Head'),
            h('td', {}, fixed(headScore.exact, 1)),
            h('td', {}, fixed(headScore.f1, 1)),
          ),
          h(
            'tr',
            { 'data-who': 'bert' },
            h('th', { scope: 'row' }, 'BERT (backbone logits)'),
            h('td', {}, fixed(bertScore.exact, 1)),
            h('td', {}, fixed(bertScore.f1, 1)),
          ),
        ),
      ),
    );
    for (const q of questions) {
      const qWindows = Array.from(windows.exampleIndex).flatMap((e, w) => (windows.exampleIds[e] === q.id ? [w] : []));
      const headText = head.predictions.get(q.id) ?? '';
      const span = locateAnswer(
        headText,
        q.context,
        qWindows,
        windows.offsets!,
        out.start,
        out.end,
        out.sequenceLength,
      );
      panel.append(
        h(
          'article',
          { class: 'qa', 'data-qid': q.id, 'data-head-answer': headText },
          h('h3', {}, q.question),
          h(
            'dl',
            { class: 'answers' },
            h('dt', {}, 'Head'),
            h(
              'dd',
              { class: 'head' },
              answerText(headText),
              h('span', { class: 'prob' }, ` · P(no answer) ${fixed(noAnswerProbability(head, q.id), 2)}`),
            ),
            h('dt', {}, 'Gold'),
            h(
              'dd',
              { class: 'gold' },
              q.hasAnswer ? [...new Set(q.goldTexts)].map(answerText).join(' / ') : '(no answer)',
            ),
            h('dt', {}, 'BERT'),
            h('dd', { class: 'bert' }, answerText(bert.predictions.get(q.id) ?? '')),
          ),
          contextWithMark(q.context, span),
        ),
      );
    }
  },
};
