/**
 * The jobs `trainHead` and `predictHead` called as library functions (no CLI), on the real MiniLM stores that the
 * CLI tests use. Expected values from outside the code under test: the question ids and counts come from
 * tools/eval/make_ensemble_fixture.py and tools/extract/make_expected.py (Python, from the SQuAD file); the binary
 * head's no-answer probabilities are checked against tfjs' own softmax of the saved model's logits.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MismatchError,
  UsageError,
  initBackend,
  loadModel,
  openStore,
  predictHead,
  trainHead,
} from '../../src/index.node.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const spanStore = join(root, 'data/minilm/span-eval-6q-finetuned.safetensors');
const clsTrain = join(root, 'data/minilm/cls-train-300q.h5');
const clsEval = join(root, 'data/minilm/cls-eval-200q.h5');
const squad = join(root, 'data/squad/dev-v2.0.json');
const ensembleExpected = JSON.parse(readFileSync(join(root, 'test/fixtures/eval/ensemble-expected.json'), 'utf8')) as {
  question_ids: string[];
};
const clsEvalExpected = JSON.parse(
  readFileSync(join(root, 'test/fixtures/real/cls-eval-200q.expected.json'), 'utf8'),
) as {
  questions: Record<string, unknown>;
};
const work = mkdtempSync(join(tmpdir(), 'bv-jobs-'));
const spanRun = join(work, 'span-run');
const binaryRun = join(work, 'binary-run');

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  await trainHead({ trainStore: spanStore, architecture: 'learned-pooling', outDir: spanRun, epochs: 1, batchSize: 2 });
  await trainHead({
    trainStore: clsTrain,
    devStore: clsEval,
    architecture: 'tenney-small',
    outDir: binaryRun,
    epochs: 1,
    batchSize: 64,
  });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('trainHead', () => {
  it('writes the final model, the history and the plots, and scores every dev question', async () => {
    for (const file of ['model/model.json', 'model/weights.bin', 'history.json', 'learning-curves.svg']) {
      expect(existsSync(join(binaryRun, file)), file).toBe(true);
    }
    const run = JSON.parse(readFileSync(join(binaryRun, 'history.json'), 'utf8')) as {
      architecture: string;
      history: Array<{ metrics: Record<string, number> }>;
    };
    expect(run.architecture).toBe('tenney-small');
    expect(run.history).toHaveLength(1);
    expect(run.history[0]!.metrics.questions).toBe(Object.keys(clsEvalExpected.questions).length);
  });
});

describe('predictHead', () => {
  it('decodes a span head into run_qa.py files over the questions of the store', async () => {
    const outDir = join(work, 'pred-span');
    const result = await predictHead({ store: spanStore, model: join(spanRun, 'model'), outDir, squadFile: squad });
    expect(result.task).toBe('span');
    const predictions = JSON.parse(readFileSync(join(outDir, 'predictions.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(predictions)).toEqual(ensembleExpected.question_ids);
    expect(result.files.nbest).toBe(join(outDir, 'nbest_predictions.json'));
    expect(result.metrics.total).toBe(6);
    expect(result.metrics.HasAns_total).toBe(5);
  });

  it("gives each question the max over its windows of the binary head's softmax p(no answer)", async () => {
    const outDir = join(work, 'pred-binary');
    const result = await predictHead({ store: clsEval, model: join(binaryRun, 'model'), outDir });
    expect(result.task).toBe('binary');
    const p = JSON.parse(readFileSync(result.files.noAnswerProbability!, 'utf8')) as Record<string, number>;
    expect(Object.keys(p).sort()).toEqual(Object.keys(clsEvalExpected.questions).sort());
    expect(result.metrics.questions).toBe(200);

    // Oracle: tf.softmax of the saved model's logits on every window, max per question.
    const model = await loadModel(join(binaryRun, 'model'));
    const store = await openStore(clsEval);
    try {
      const [n, ...shape] = store.tensors[store.activations]!.shape;
      const x = Float32Array.from((await store.read(store.activations, 0, n!)) as ArrayLike<number>);
      const index = Array.from((await store.read('example_index', 0, n!)) as ArrayLike<number>, Number);
      const ids = store.metadata!.example_ids as string[];
      const probs = tf.tidy(
        () => tf.softmax(model.predict(tf.tensor(x, [n!, ...shape])) as tf.Tensor).arraySync() as number[][],
      );
      const want = new Map<string, number>();
      index.forEach((e, w) => want.set(ids[e]!, Math.max(want.get(ids[e]!) ?? -Infinity, probs[w]![1]!)));
      for (const [qid, value] of want) expect(p[qid], qid).toBeCloseTo(value, 5);
    } finally {
      model.dispose();
      await store.close();
    }
  });

  it('refuses a head trained on another backbone and a span head without the SQuAD file', async () => {
    await expect(
      predictHead({ store: clsEval, model: join(spanRun, 'model'), outDir: join(work, 'x') }),
    ).rejects.toThrow(MismatchError);
    await expect(
      predictHead({ store: spanStore, model: join(spanRun, 'model'), outDir: join(work, 'y') }),
    ).rejects.toThrow(UsageError);
  });
});
