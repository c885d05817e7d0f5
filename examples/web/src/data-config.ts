/**
 * Every data file the demo page uses, in one place (paths relative to the repository root). The Vite config copies
 * exactly these into the built page and the page fetches them from its own origin. The stores and the span heads are
 * the reproduction's (data/minilm-finetuned: MiniLM fine-tuned for one epoch, heads trained on held-out-free slices);
 * `tools/web/make-demo-heads.ts` trains the answerability head from the CLS train store. Switching to other stores is
 * an edit here (then rerun make-demo-heads).
 */
export const DEMO_DATA = {
  /** CLS store the Train tab trains on (answerability labels, layers last). */
  trainStore: 'data/minilm-finetuned/cls-train-2400q.h5',
  /** CLS store of held-out questions: the Train tab's dev accuracy per epoch. */
  devStore: 'data/minilm-finetuned/cls-eval.h5',
  /** Span store (all positions, with the backbone's own start/end logits) the Answer tab answers from. */
  spanStore: 'data/minilm-finetuned/span-eval-5q.safetensors',
  /** SQuAD 2.0 JSON of the eval-part questions (contexts and gold answers of the dev and span stores). */
  squadFile: 'data/minilm-finetuned/squad-eval-part.json',
  /** The span head (model.json + weights.bin) the Answer tab decodes with: the reproduction's best on head-dev. */
  spanHead: 'data/minilm-finetuned/span-head-adapter-64',
  /** Whether the span head was trained on the span store itself (the page then says the answers are in-sample). */
  spanHeadInSample: false,
  /** The shipped answerability head (tenney-small on the CLS stores), the Drop tab's default head. */
  answerabilityHead: 'examples/web/heads/answerability-tenney-small',
  /**
   * The span head the Ask tab answers with, on the activations the ONNX encoder gives (its input `[S, E, L]` must be
   * the encoder's hidden size and embeddings + layers; S sets the window length). A head trained on another
   * encoder's activations is one line here.
   */
  askHead: 'data/minilm-finetuned/ask-head-learned-pooling',
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
