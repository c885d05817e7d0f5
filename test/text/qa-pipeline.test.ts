/**
 * createQaPipeline plumbing with a stand-in encoder whose QA logits point at a token chosen by hand; the real model's
 * answers are checked against PyTorch in CI (tools/text/check-qa-pipeline.ts, .ci/run).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, MismatchError } from '../../src/errors.js';
import { buildSpanHead } from '../../src/models/heads.js';
import { loadTokenizer } from '../../src/text/load-tokenizer.node.js';
import { OnnxEncoder } from '../../src/text/onnx-encoder.js';
import type { OrtModule, OrtSession, OrtTensor } from '../../src/text/onnx-runtime.js';
import { createQaPipeline } from '../../src/text/qa-pipeline.js';
import { MINILM_TOKENIZER } from './fixture-hash.js';

function encoderPointingAt(token: number | undefined, info: OnnxEncoder['info'] = {}): OnnxEncoder {
  const session: OrtSession = {
    inputNames: ['input_ids', 'attention_mask', 'token_type_ids'],
    outputNames: ['hidden_states', ...(token === undefined ? [] : ['start_logits', 'end_logits'])],
    async run(feeds) {
      const [b, s] = (feeds.input_ids as OrtTensor).dims as [number, number];
      const logits = new Float32Array(b * s);
      if (token !== undefined) logits[token] = 10;
      const t = (data: Float32Array, dims: number[]): OrtTensor => ({ data, dims, type: 'float32' });
      return {
        hidden_states: t(new Float32Array(b * s * 2), [b, s, 1, 2]),
        start_logits: t(logits, [b, s]),
        end_logits: t(logits.slice(), [b, s]),
      };
    },
    async release() {},
  };
  const ort = {
    Tensor: class {
      constructor(
        readonly type: string,
        readonly data: unknown,
        readonly dims: number[],
      ) {}
    },
  } as unknown as OrtModule;
  return new OnnxEncoder(ort, session, 'fake', info);
}

const tokenizer = await loadTokenizer(fileURLToPath(MINILM_TOKENIZER));

describe('createQaPipeline', () => {
  it('returns the span the logits point at, with UTF-16 offsets after an astral character', async () => {
    // [CLS] who ? [SEP] [UNK](😀) ann wrote it . [SEP]: token 5 is "ann"
    const qa = createQaPipeline({
      tokenizer,
      encoder: encoderPointingAt(5),
      windows: { maxSeqLength: 32, docStride: 8 },
    });
    const context = '😀 Ann wrote it.';
    const result = await qa.answer('Who?', context);
    expect([result.answer, result.start, result.end, context.slice(result.start, result.end), result.windows]).toEqual([
      'Ann',
      3,
      6,
      'Ann',
      1,
    ]);
    expect(result.score).toBeGreaterThan(0.99);
    expect(result.noAnswerProbability).toBeLessThan(1e-6);
  });
  it('answers "" when the CLS logits win, and needs a QA head or a bertvision head', async () => {
    const qa = createQaPipeline({
      tokenizer,
      encoder: encoderPointingAt(0),
      windows: { maxSeqLength: 32, docStride: 8 },
    });
    const result = await qa.answer('Who?', 'Ann wrote it.');
    expect(result.answer).toBe('');
    expect(result.noAnswerProbability).toBeGreaterThan(0.99);
    expect(() => createQaPipeline({ tokenizer, encoder: encoderPointingAt(undefined) })).toThrow(InvalidArgumentError);
  });
  it("takes the head's window length, and says when the head does not fit the encoder", async () => {
    // the stand-in encoder gives hidden size 1 and 2 hidden states (embeddings + 1 layer)
    const fits = buildSpanHead('learned-pooling', { inputShape: [32, 1, 2], compile: false });
    const result = await createQaPipeline({
      tokenizer,
      encoder: encoderPointingAt(0),
      head: fits,
      windows: { docStride: 8 },
    }).answer('Who?', 'Ann wrote it.');
    expect(result.windows).toBe(1);
    const tooManyLayers = buildSpanHead('learned-pooling', { inputShape: [32, 1, 3], compile: false });
    const unchecked = createQaPipeline({
      tokenizer,
      encoder: encoderPointingAt(0),
      head: tooManyLayers,
      windows: { docStride: 8 },
    });
    await expect(unchecked.answer('Who?', 'Ann wrote it.')).rejects.toThrow(
      /does not fit the encoder: it takes 3 hidden states \(embeddings \+ 2 layers\), the encoder gives 2/,
    );
    const wider = buildSpanHead('learned-pooling', { inputShape: [32, 4, 2], compile: false });
    expect(() =>
      createQaPipeline({
        tokenizer,
        encoder: encoderPointingAt(0, { hiddenSize: 1, numLayers: 1 }),
        head: wider,
        windows: { docStride: 8 },
      }),
    ).toThrow(MismatchError);
    expect(() =>
      createQaPipeline({
        tokenizer,
        encoder: encoderPointingAt(0),
        head: fits,
        windows: { maxSeqLength: 64, docStride: 8 },
      }),
    ).toThrow(/windows of 32 tokens, the pipeline makes 64/);
    for (const m of [fits, tooManyLayers, wider]) m.dispose();
  });
});
