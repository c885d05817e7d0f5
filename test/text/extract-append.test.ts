/**
 * `extractActivations({ append: true })` (tools/extract's `--append`): appending the questions a store lacks gives
 * the store a single run makes (every tensor and the metadata), in each container (safetensors, npy directory,
 * HDF5); questions already there are skipped; a store made with other settings or from another source is refused
 * and left as it was; a failed append leaves the old store and no temporary files. The encoder is a stand-in whose
 * hidden states depend on the window's tokens only, so batching cannot change them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MismatchError } from '../../src/errors.js';
import { openStore } from '../../src/store/open-store.js';
import { extractActivations, type ExtractActivationsOptions } from '../../src/text/extract-activations.js';
import { loadTokenizer } from '../../src/text/load-tokenizer.node.js';
import { OnnxEncoder } from '../../src/text/onnx-encoder.js';
import type { OrtModule, OrtSession, OrtTensor } from '../../src/text/onnx-runtime.js';
import { readSquadExamples } from '../../src/text/squad-examples.js';
import { MINILM_TOKENIZER } from './fixture-hash.js';

const H = 4;
const L = 3;

/** hidden[b, s, h, l] = input_id[b, s] / 100 + h + l / 10 (huge: 1e6 once `hugeFrom` windows were seen). */
function encoder(options: { qa?: boolean; hugeFrom?: number } = {}): OnnxEncoder {
  let seen = 0;
  const tensor = (data: unknown, dims: number[]): OrtTensor => ({ data, dims, type: 'float32' });
  const session: OrtSession = {
    inputNames: ['input_ids', 'attention_mask', 'token_type_ids'],
    outputNames: ['hidden_states', ...(options.qa ? ['start_logits', 'end_logits'] : [])],
    async run(feeds) {
      const ids = (feeds.input_ids as OrtTensor).data as BigInt64Array;
      const [b, s] = (feeds.input_ids as OrtTensor).dims as [number, number];
      const huge = options.hugeFrom !== undefined && seen + b > options.hugeFrom;
      seen += b;
      const hidden = new Float32Array(b * s * H * L);
      for (let i = 0; i < b * s; i++)
        for (let h = 0; h < H; h++)
          for (let l = 0; l < L; l++) hidden[(i * H + h) * L + l] = huge ? 1e6 : Number(ids[i]) / 100 + h + l / 10;
      const logits = Float32Array.from(ids, (v) => Number(v) % 7);
      return {
        hidden_states: tensor(hidden, [b, s, H, L]),
        ...(options.qa ? { start_logits: tensor(logits, [b, s]), end_logits: tensor(logits.slice(), [b, s]) } : {}),
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
  return new OnnxEncoder(ort, session, 'fake', { modelId: 'fake-bert', numLayers: L - 1, hiddenSize: H });
}

const dir = mkdtempSync(join(tmpdir(), 'bv-append-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tokenizer = await loadTokenizer(fileURLToPath(MINILM_TOKENIZER));
const squad = readSquadExamples(
  JSON.parse(readFileSync(new URL('../../data/squad/dev-v2.0.json', import.meta.url), 'utf8')),
  'dev-v2.0.json',
).slice(0, 9);
const source = { file: 'dev-v2.0.json', sha256: 'abc' };

function run(output: string, examples: typeof squad, extra: Partial<ExtractActivationsOptions> = {}) {
  return extractActivations({
    tokenizer,
    encoder: encoder({ qa: true }),
    examples,
    output,
    windows: { maxSeqLength: 48, docStride: 16 },
    batchSize: 3,
    source,
    ...extra,
  });
}

async function contents(path: string): Promise<Record<string, unknown>> {
  const store = await openStore(path);
  try {
    const out: Record<string, unknown> = { metadata: store.metadata };
    for (const [name, info] of Object.entries(store.tensors))
      out[name] = {
        shape: info.shape,
        values: Array.from((await store.read(name, 0, store.numExamples)) as ArrayLike<number>),
      };
    return out;
  } finally {
    await store.close();
  }
}

const snapshot = (path: string): string =>
  statSync(path).isDirectory()
    ? readdirSync(path)
        .sort()
        .map((f) => readFileSync(join(path, f)).toString('base64'))
        .join()
    : readFileSync(path).toString('base64');

describe('extractActivations with append', () => {
  for (const [format, name, dtype] of [
    ['safetensors', 'store.safetensors', 'float16'],
    ['npy', 'store-npy', 'float16'],
    ['hdf5', 'store.h5', 'float32'],
  ] as const) {
    it(`${format}: appending the missing questions gives the store one run makes`, async () => {
      const whole = join(dir, `whole-${name}`);
      const parts = join(dir, `parts-${name}`);
      const all = await run(whole, squad, { dtype });
      const first = await run(parts, squad.slice(0, 4), { dtype, append: true }); // no store yet: a new one
      const second = await run(parts, squad.slice(2), { dtype, append: true }); // questions 2 and 3 are there
      expect([first.questions, second.questions, second.skipped]).toEqual([4, 5, 2]);
      expect([first.windows + second.windows, second.totalWindows]).toEqual([all.windows, all.windows]);
      expect(all.windows).toBeGreaterThan(squad.length); // some contexts take several windows
      expect(await contents(parts)).toEqual(await contents(whole));
      expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary left
    });
  }

  it('skips a run whose questions are all in the store, leaving it untouched', async () => {
    const path = join(dir, 'same.safetensors');
    await run(path, squad.slice(0, 3));
    const before = snapshot(path);
    const again = await run(path, squad.slice(0, 3), { append: true });
    expect([again.windows, again.questions, again.skipped]).toEqual([0, 0, 3]);
    expect(snapshot(path)).toBe(before);
  });

  it('refuses a store made with other settings or from another source, and leaves it as it was', async () => {
    const path = join(dir, 'refuse.safetensors');
    await run(path, squad.slice(0, 3));
    const before = snapshot(path);
    const more = squad.slice(3, 5);
    await expect(run(path, more, { append: true, windows: { maxSeqLength: 48, docStride: 8 } })).rejects.toThrow(
      /doc_stride: store has 16, this run expects 8/,
    );
    await expect(run(path, more, { append: true, dtype: 'float32' })).rejects.toThrow(MismatchError);
    await expect(run(path, more, { append: true, clsOnly: true })).rejects.toThrow(/positions/);
    await expect(run(path, more, { append: true, source: { file: 'train-v2.0.json', sha256: 'def' } })).rejects.toThrow(
      /refusing to append windows from .*train-v2\.0\.json/,
    );
    await expect(run(path, more, { append: true, encoder: encoder() })).rejects.toThrow(
      /store tensors \[.*end_logits.*\] differ from this run's/,
    );
    expect(snapshot(path)).toBe(before);
  });

  it('a failed append leaves the old store and no temporary files', async () => {
    const path = join(dir, 'fail-npy');
    await run(path, squad.slice(0, 3));
    const before = snapshot(path);
    await expect(run(path, squad, { append: true, encoder: encoder({ qa: true, hugeFrom: 1 }) })).rejects.toThrow(
      /overflow float16/,
    );
    expect(snapshot(path)).toBe(before);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
