/**
 * The real all-MiniLM-L6-v2 stores committed under data/minilm/ (see docs/extraction.md), opened with the
 * TypeScript reader and checked against values computed outside the extraction code path (test/fixtures/real/,
 * written by tools/extract/make_expected.py) and against the SQuAD 2.0 gold answers.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkCompatible, openStore } from '../../src/index.node.js';
import { checkStore } from './check-store.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const dataFile = (name: string): string => fileURLToPath(new URL(`../../data/minilm/${name}`, import.meta.url));

/** Each committed store, its expected-values file and its window count. */
const STORES = [
  { store: 'cls-train-300q.h5', expected: 'cls-train-300q.expected.json', windows: 307, questions: 300 },
  { store: 'cls-eval-200q.h5', expected: 'cls-eval-200q.expected.json', windows: 200, questions: 200 },
] as const;
/** The span store from the fine-tuned checkpoint (QA logits included). */
const SPAN = { store: 'span-eval-6q-finetuned.safetensors', expected: 'span-eval-6q-finetuned.expected.json' } as const;

describe('committed MiniLM stores', () => {
  for (const { store, expected, windows, questions } of STORES) {
    it(`${store}: shapes, labels vs gold answers, last layer = last_hidden_state, pooled = pooler_output`, async () => {
      expect(existsSync(dataFile(store))).toBe(true);
      const result = await checkStore(fixture(expected));
      expect(result.windows).toBe(windows);
      const opened = await openStore(dataFile(store));
      expect(opened.metadata?.example_ids).toHaveLength(questions);
      expect(opened.metadata?.model_id).toBe('sentence-transformers/all-MiniLM-L6-v2');
      await opened.close();
    });
  }

  it(`${SPAN.store}: offsets reproduce the gold answers, last layer = last_hidden_state, logits = the QA head's`, async () => {
    const result = await checkStore(fixture(SPAN.expected));
    expect(result).toEqual({ windows: 6, exactSpans: 5, outsideWindows: 0 });
    const opened = await openStore(dataFile(SPAN.store));
    expect(opened.container).toBe('safetensors');
    expect(opened.metadata).toMatchObject({
      model_id: 'all-MiniLM-L6-v2-squad2-devtrain-0.1ep',
      max_seq_length: 128,
      doc_stride: 64,
      positions: 'all',
      dtype: 'float16',
    });
    expect(opened.metadata?.model_revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    await opened.close();
  });

  it('train and eval CLS stores are compatible and come from disjoint articles of the split', async () => {
    const [train, evaluation] = await Promise.all(STORES.map(({ store }) => openStore(dataFile(store))));
    try {
      checkCompatible(train!.metadata, train!.path, evaluation!.metadata, evaluation!.path);
      const trainIds = new Set(train!.metadata!.example_ids);
      expect(evaluation!.metadata!.example_ids!.some((id) => trainIds.has(id))).toBe(false);
      expect(train!.metadata!.source).toMatchObject({ file: 'dev-v2.0.json', split: { part: 'train' } });
      expect(evaluation!.metadata!.source).toMatchObject({ file: 'dev-v2.0.json', split: { part: 'eval' } });
    } finally {
      await Promise.all([train!.close(), evaluation!.close()]);
    }
  });
});
