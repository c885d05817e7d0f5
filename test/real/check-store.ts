/**
 * Checks a store written by tools/extract against expected values that tools/extract/make_expected.py computed
 * WITHOUT the extraction code path (tokenizer + `AutoModel(...)(...)` called directly) and against the SQuAD gold
 * answers. Shared by the tests on the committed MiniLM stores and the fresh-extraction check of `.ci/run`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { expect } from 'vitest';
import { openStore, type ActivationStore } from '../../src/index.node.js';

/** One gold answer as SQuAD writes it. */
interface GoldAnswer {
  text: string;
  answer_start: number;
}

/** A float32 array written by make_expected.py: a raw little-endian file and its shape. */
interface F32File {
  file: string;
  shape: number[];
}

/** The `<prefix>.expected.json` file written by tools/extract/make_expected.py. */
export interface ExpectedStore {
  store: string;
  windows: number[];
  last_hidden: F32File;
  pooled?: F32File;
  start_logits?: number[][];
  end_logits?: number[][];
  questions: Record<string, { context?: string; answers: GoldAnswer[]; is_impossible: boolean }>;
}

/** Relative bound of float16 rounding (half an ulp) plus an absolute allowance for float32 batch effects. */
const F16_REL = 2 ** -11;
const F32_ABS = 1e-5;
/** Logits are float32 on both sides; only batch composition differs. */
const LOGIT_ABS = 1e-4;

async function readF32(base: string, spec: F32File): Promise<Float32Array> {
  const bytes = await readFile(resolve(base, spec.file));
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  expect(values.length).toBe(spec.shape.reduce((a, b) => a * b, 1));
  return values;
}

async function readInts(store: ActivationStore, name: string): Promise<Int32Array> {
  const values = await store.read(name, 0, store.numExamples);
  expect(values).toBeInstanceOf(Int32Array);
  return values as Int32Array;
}

/** Labels of one window agree with the gold answer through the offsets (run_qa.py's labelling rule). */
function checkSpanLabel(
  context: string,
  gold: GoldAnswer,
  offsets: Int32Array,
  start: number,
  end: number,
): 'exact' | 'covering' | 'outside' {
  const goldEnd = gold.answer_start + gold.text.length;
  if (start === 0) {
    // No label: the answer must not lie wholly inside this window's context tokens.
    const starts = offsets.filter((o, i) => i % 2 === 0 && o >= 0);
    const ends = offsets.filter((o, i) => i % 2 === 1 && o >= 0);
    expect(Math.min(...starts) <= gold.answer_start && Math.max(...ends) >= goldEnd).toBe(false);
    return 'outside';
  }
  expect(end).toBeGreaterThanOrEqual(start);
  const [a, b] = [offsets[2 * start]!, offsets[2 * end + 1]!];
  const text = context.slice(a, b);
  if (text === gold.text) return 'exact';
  // Gold boundaries inside a word piece: the labelled tokens are the ones holding the first and last characters.
  expect(a <= gold.answer_start && gold.answer_start < offsets[2 * start + 1]!).toBe(true);
  expect(offsets[2 * end]! < goldEnd && goldEnd <= b).toBe(true);
  expect(text.includes(gold.text)).toBe(true);
  return 'covering';
}

/** What `checkStore` saw: windows, labelled spans equal to the gold text, answerable windows without the answer. */
export interface StoreCheckCounts {
  windows: number;
  exactSpans: number;
  outsideWindows: number;
}

/**
 * Opens the store named by `expectedPath` (a make_expected.py output) and checks shapes, metadata, labels against
 * gold answers, offsets, the last layer against `last_hidden_state` within float16 rounding, the pooled channel and
 * the QA logits. Returns counts for the caller to assert on.
 */
export async function checkStore(expectedPath: string): Promise<StoreCheckCounts> {
  const base = dirname(expectedPath);
  const expected = JSON.parse(await readFile(expectedPath, 'utf8')) as ExpectedStore;
  const store = await openStore(resolve(base, expected.store));
  try {
    const meta = store.metadata!;
    expect(meta.format).toBe('bertvision-activations');
    const n = store.numExamples;
    const s = meta.positions === 'cls' ? 1 : meta.max_seq_length;
    const [, , h] = expected.last_hidden.shape as [number, number, number];
    const l = meta.channels.length;
    const pooledFirst = expected.pooled !== undefined;
    const layers = Array.from({ length: l - (pooledFirst ? 2 : 1) }, (_, i) => `layer_${i + 1}`);
    expect(meta.channels).toEqual([...(pooledFirst ? ['pooled'] : []), 'embeddings', ...layers]);
    expect(store.tensors['hidden_state_activations']).toEqual({ shape: [n, s, h, l], dtype: meta.dtype });
    for (const name of ['start_positions', 'end_positions', 'is_impossible', 'example_index']) {
      expect(store.tensors[name]).toEqual({ shape: [n], dtype: 'int32' });
    }
    expect(store.tensors['offset_mapping']).toEqual({ shape: [n, s, 2], dtype: 'int32' });
    for (const name of ['start_logits', 'end_logits'] as const) {
      expect(store.tensors[name]).toEqual(expected[name] ? { shape: [n, s], dtype: 'float32' } : undefined);
    }

    const ids = meta.example_ids!;
    const starts = await readInts(store, 'start_positions');
    const ends = await readInts(store, 'end_positions');
    const impossible = await readInts(store, 'is_impossible');
    const exampleIndex = await readInts(store, 'example_index');
    const answered = new Set<string>();
    let exactSpans = 0;
    let outsideWindows = 0;
    for (let w = 0; w < n; w++) {
      const qid = ids[exampleIndex[w]!];
      expect(qid).toBeDefined();
      const gold = expected.questions[qid!]!;
      expect(impossible[w]).toBe(starts[w] === 0 ? 1 : 0);
      expect(starts[w]!).toBeLessThan(meta.max_seq_length);
      if (gold.is_impossible) {
        expect([starts[w], ends[w]]).toEqual([0, 0]);
        continue;
      }
      if (starts[w] !== 0) answered.add(qid!);
      if (meta.positions === 'all') {
        const offsets = (await store.read('offset_mapping', w, 1)) as Int32Array;
        const context = gold.context!;
        for (let t = 0; t < s; t++) {
          const [a, b] = [offsets[2 * t]!, offsets[2 * t + 1]!];
          expect(a === -1 ? b === -1 : 0 <= a && a <= b && b <= context.length).toBe(true);
        }
        const label = checkSpanLabel(context, gold.answers[0]!, offsets, starts[w]!, ends[w]!);
        if (label === 'exact') exactSpans++;
        if (label === 'outside') outsideWindows++;
      }
    }
    // Every answerable question has its answer inside at least one of its windows.
    const answerable = [...new Set([...exampleIndex].map((i) => ids[i]!))].filter(
      (q) => !expected.questions[q]!.is_impossible,
    );
    expect(answered).toEqual(new Set(answerable));

    const lastHidden = await readF32(base, expected.last_hidden);
    const pooled = expected.pooled ? await readF32(base, expected.pooled) : undefined;
    const per = s * h;
    for (const [k, w] of expected.windows.entries()) {
      const hidden = (await store.read('hidden_state_activations', w, 1)) as Float32Array;
      let worst = 0;
      for (let i = 0; i < per; i++) {
        const want = lastHidden[k * per + i]!;
        const excess = Math.abs(hidden[i * l + l - 1]! - want) - (F16_REL * Math.abs(want) + F32_ABS);
        worst = Math.max(worst, excess);
      }
      expect(worst).toBeLessThanOrEqual(0);
      if (pooled) {
        for (let i = 0; i < h; i++) {
          const want = pooled[k * h + i]!;
          expect(Math.abs(hidden[i * l]! - want)).toBeLessThanOrEqual(F16_REL * Math.abs(want) + F32_ABS);
        }
      }
      for (const name of ['start_logits', 'end_logits'] as const) {
        const want = expected[name];
        if (!want) continue;
        const got = (await store.read(name, w, 1)) as Float32Array;
        want[k]!.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(LOGIT_ABS));
      }
    }
    return { windows: n, exactSpans, outsideWindows };
  } finally {
    await store.close();
  }
}
