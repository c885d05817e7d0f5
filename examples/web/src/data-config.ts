/**
 * Every data file the demo page uses, in one place (paths relative to the repository root). The Vite config copies
 * exactly these into the built page and the page fetches them from its own origin; `tools/web/make-demo-heads.ts`
 * trains the shipped heads from them. Switching to other stores is an edit here (then rerun make-demo-heads).
 */
export const DEMO_DATA = {
  /** CLS store the Train tab trains on (answerability labels, layers last). */
  trainStore: 'data/minilm/cls-train-300q.h5',
  /** CLS store of held-out questions: the Train tab's dev accuracy per epoch. */
  devStore: 'data/minilm/cls-eval-200q.h5',
  /** Span store (all positions, with the backbone's own start/end logits) the Answer tab answers from. */
  spanStore: 'data/minilm/span-eval-6q-finetuned.safetensors',
  /** SQuAD 2.0 JSON holding every question the stores cover (contexts and gold answers). */
  squadFile: 'data/squad-dev-subset.json',
  /** The shipped span head (model.json + weights.bin) the Answer tab decodes with. */
  spanHead: 'examples/web/heads/span-adapter-64',
  /** Whether the span head was trained on the span store itself (the page then says the answers are in-sample). */
  spanHeadInSample: true,
  /** The shipped answerability head (tenney-small on the CLS stores), the Drop tab's default head. */
  answerabilityHead: 'examples/web/heads/answerability-tenney-small',
} as const;

/** The files the page needs, as URLs below its base. */
export const DEMO_FILES: readonly string[] = [
  DEMO_DATA.trainStore,
  DEMO_DATA.devStore,
  DEMO_DATA.spanStore,
  DEMO_DATA.squadFile,
  ...[DEMO_DATA.spanHead, DEMO_DATA.answerabilityHead].flatMap((dir) => [`${dir}/model.json`, `${dir}/weights.bin`]),
];
