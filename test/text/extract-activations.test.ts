/**
 * extractActivations writes the store tools/extract writes: checked against data/minilm/cls-eval-200q.h5, made by
 * tools/extract from the same questions (labels, offsets, example index and metadata identical). The encoder is a
 * stand-in session returning a known pattern (the real encoder is compared with PyTorch in CI, .ci/run).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { openStore } from '../../src/store/open-store.js';
import { extractActivations } from '../../src/text/extract-activations.js';
import { loadTokenizer } from '../../src/text/load-tokenizer.node.js';
import { OnnxEncoder } from '../../src/text/onnx-encoder.js';
import type { OrtModule, OrtSession, OrtTensor } from '../../src/text/onnx-runtime.js';
import { readSquadExamples } from '../../src/text/squad-examples.js';
import { MINILM_TOKENIZER } from './fixture-hash.js';

const H = 384;
const L = 7;

/** A stand-in ONNX session: hidden state [b, s, h, l] = b·1000 + s + l/10 + h/1e4 for s < 2 (0 beyond), pooler = −1 − h/1e4. */
function fakeEncoder(options: { qa?: boolean; huge?: boolean } = {}): OnnxEncoder {
  const tensor = (data: unknown, dims: number[]): OrtTensor => ({
    data,
    dims,
    type: data instanceof Float32Array ? 'float32' : 'int64',
  });
  const session: OrtSession = {
    inputNames: ['input_ids', 'attention_mask', 'token_type_ids'],
    outputNames: ['hidden_states', 'pooler_output', ...(options.qa ? ['start_logits', 'end_logits'] : [])],
    async run(feeds) {
      const [b, s] = (feeds.input_ids as OrtTensor).dims as [number, number];
      const hidden = new Float32Array(b * s * H * L);
      for (let n = 0; n < b; n++) {
        for (let t = 0; t < 2; t++) {
          for (let h = 0; h < H; h++) {
            for (let l = 0; l < L; l++)
              hidden[((n * s + t) * H + h) * L + l] = options.huge ? 1e6 : n * 1000 + t + l / 10 + h / 1e4;
          }
        }
      }
      const pooled = Float32Array.from({ length: b * H }, (_, i) => -1 - (i % H) / 1e4);
      const logits = Float32Array.from({ length: b * s }, (_, i) => i % s);
      return {
        hidden_states: tensor(hidden, [b, s, H, L]),
        pooler_output: tensor(pooled, [b, H]),
        ...(options.qa
          ? {
              start_logits: tensor(logits, [b, s]),
              end_logits: tensor(
                logits.map((v) => -v),
                [b, s],
              ),
            }
          : {}),
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
  return new OnnxEncoder(ort, session, 'fake', {
    modelId: 'sentence-transformers/all-MiniLM-L6-v2',
    numLayers: L - 1,
    hiddenSize: H,
  });
}

const dir = mkdtempSync(join(tmpdir(), 'bv-extract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tokenizer = await loadTokenizer(fileURLToPath(MINILM_TOKENIZER));
const squadFile = new URL('../../data/squad/dev-v2.0.json', import.meta.url);
const split = JSON.parse(readFileSync(new URL('../../data/squad-dev-split.json', import.meta.url), 'utf8')) as {
  parts: Record<string, { titles: string[] }>;
};
const evalPart = readSquadExamples(
  JSON.parse(readFileSync(squadFile, 'utf8')),
  'dev-v2.0.json',
  new Set(split.parts.eval?.titles),
);

describe('extractActivations vs a tools/extract store', () => {
  it('CLS-only: the labels, offsets, example index, channels and metadata of data/minilm/cls-eval-200q.h5', async () => {
    const python = await openStore(fileURLToPath(new URL('../../data/minilm/cls-eval-200q.h5', import.meta.url)));
    const output = join(dir, 'cls.safetensors');
    const meta = python.metadata as Record<string, unknown>;
    const progress: number[] = [];
    await extractActivations({
      tokenizer,
      encoder: fakeEncoder(),
      examples: evalPart.slice(0, 200),
      output,
      clsOnly: true,
      batchSize: 16,
      source: meta.source as { file: string; sha256: string },
      modelRevision: meta.model_revision as string,
      onProgress: (done) => progress.push(done),
    });
    const js = await openStore(output);
    try {
      expect(Object.keys(js.tensors).sort()).toEqual(Object.keys(python.tensors).sort());
      for (const [name, info] of Object.entries(python.tensors)) {
        expect([name, js.tensors[name]?.shape]).toEqual([name, info.shape]);
        if (name === 'hidden_state_activations') continue;
        expect([name, Array.from((await js.read(name, 0, js.numExamples)) as Int32Array)]).toEqual([
          name,
          Array.from((await python.read(name, 0, python.numExamples)) as Int32Array),
        ]);
      }
      const { created_by: jsTool, ...jsMeta } = js.metadata as Record<string, unknown>;
      const { created_by: pyTool, ...pyMeta } = meta;
      expect(jsMeta).toEqual(pyMeta);
      expect([jsTool, pyTool]).toEqual(['bertvision extract (onnx)', 'bertvision-extract 0.1.0']);
      // channel 0 is the pooler output, then the CLS position of every hidden state, rounded to float16
      const first = (await js.read('hidden_state_activations', 1, 1)) as Float32Array;
      expect(first[0]).toBeCloseTo(-1, 3);
      expect(first[1]).toBeCloseTo(1000, 0);
      expect(first[L]).toBeCloseTo(1000.6, 0);
      expect(progress.at(0)).toBe(0);
      expect(progress.at(-1)).toBe(js.numExamples);
    } finally {
      await js.close();
      await python.close();
    }
  });

  it('all positions with QA logits: [N, S, H, L] activations and [N, S] logits; float16 overflow is an error', async () => {
    const output = join(dir, 'span');
    const examples = evalPart.slice(0, 3);
    const summary = await extractActivations({
      tokenizer,
      encoder: fakeEncoder({ qa: true }),
      examples,
      output,
      windows: { maxSeqLength: 64, docStride: 16 },
    });
    const store = await openStore(output);
    try {
      expect(store.tensors.hidden_state_activations?.shape).toEqual([summary.windows, 64, H, L]);
      expect(store.tensors.start_logits?.shape).toEqual([summary.windows, 64]);
      expect(Array.from((await store.read('end_logits', 0, 1)) as Float32Array).slice(0, 3)).toEqual([-0, -1, -2]);
      expect(store.metadata?.positions).toBe('all');
    } finally {
      await store.close();
    }
    await expect(
      extractActivations({
        tokenizer,
        encoder: fakeEncoder({ huge: true }),
        examples,
        output: join(dir, 'huge.safetensors'),
      }),
    ).rejects.toThrow(/overflow float16/);
    await expect(
      extractActivations({ tokenizer, encoder: fakeEncoder(), examples: [], output: join(dir, 'none.safetensors') }),
    ).rejects.toThrow(InvalidArgumentError);
  });
});
