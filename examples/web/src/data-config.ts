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
  /**
   * The span head the Ask tab answers with, on the activations the ONNX encoder gives (its input `[S, E, L]` must be
   * the encoder's hidden size and embeddings + layers; S sets the window length). A head trained on another
   * encoder's activations is one line here.
   */
  askHead: 'examples/web/heads/span-learned-pooling',
  /** The tokenizer the Ask tab cuts text with (all-MiniLM-L6-v2's, which the fine-tuned checkpoints keep). */
  tokenizer: 'data/minilm/tokenizer.json',
  /**
   * The ONNX encoder the Ask tab runs (onnxruntime-web, wasm), with the `.json` sidecar tools/onnx/export.py writes
   * beside it. Git-ignored and optional: `askModelCommand` makes it; the build copies it when it is there.
   */
  askModel: 'examples/web/models/ask.onnx',
  askModelSidecar: 'examples/web/models/ask.json',
  /** The reproduction's fine-tuned checkpoint (git-ignored) that `askModelCommand` exports to `askModel`. */
  askCheckpoint: '.reproduction/finetune/checkpoint-step-000720',
  /** The one command that makes `askModel` (package.json `web:model`: tools/web/make-ask-model.ts). */
  askModelCommand: 'npm run web:model',
} as const;

/** The files the page needs, as URLs below its base. */
export const DEMO_FILES: readonly string[] = [
  DEMO_DATA.trainStore,
  DEMO_DATA.devStore,
  DEMO_DATA.spanStore,
  DEMO_DATA.squadFile,
  DEMO_DATA.tokenizer,
  ...[DEMO_DATA.spanHead, DEMO_DATA.answerabilityHead, DEMO_DATA.askHead].flatMap((dir) => [
    `${dir}/model.json`,
    `${dir}/weights.bin`,
  ]),
];

/** Files the page uses when they are there (made by `askModelCommand`, not shipped): copied into the build if present. */
export const OPTIONAL_DEMO_FILES: readonly string[] = [DEMO_DATA.askModel, DEMO_DATA.askModelSidecar];
