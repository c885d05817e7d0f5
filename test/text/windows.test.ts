/** run_qa.py windows against tools/extract's build_windows on the whole dev set (tools/text/make_windows_fixture.py). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileFormatError, InvalidArgumentError } from '../../src/errors.js';
import { loadTokenizer } from '../../src/text/load-tokenizer.node.js';
import { readSquadExamples } from '../../src/text/squad-examples.js';
import { buildWindows, QaWindowMaker, type QaWindow } from '../../src/text/windows.js';
import { digest, MINILM_TOKENIZER } from './fixture-hash.js';

interface SettingFixture {
  max_seq_length: number;
  doc_stride: number;
  max_query_length: number | null;
  examples: number;
  windows: number;
  counts: string;
  hashes: string[];
  full: { example: number; windows: number[][][] }[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/text/windows-dev.json', import.meta.url), 'utf8')) as {
  settings: Record<string, SettingFixture>;
};
const tokenizer = await loadTokenizer(fileURLToPath(MINILM_TOKENIZER));
const dev = readSquadExamples(
  JSON.parse(readFileSync(new URL('../../data/squad/dev-v2.0.json', import.meta.url), 'utf8')),
  'dev-v2.0.json',
);

/** The fixture's layout of one window: trimmed to its attention mask. */
function windowParts(w: QaWindow): number[][] {
  const n = w.attentionMask.reduce((a, b) => a + b, 0);
  const offsets: number[][] = [];
  for (let i = 0; i < n; i++) offsets.push([w.offsets[2 * i] as number, w.offsets[2 * i + 1] as number]);
  return [
    [n],
    [...w.inputIds.subarray(0, n)],
    [...w.tokenTypeIds.subarray(0, n)],
    offsets as never,
    [w.startPosition, w.endPosition, w.isImpossible],
  ];
}

describe('buildWindows vs tools/extract (run_qa.py) on the dev set', () => {
  for (const [name, expected] of Object.entries(fixture.settings)) {
    it(`${name}: ${expected.examples} questions, ${expected.windows} windows (max ${expected.max_seq_length}, stride ${expected.doc_stride})`, () => {
      const examples = dev.slice(0, expected.examples);
      const maker = new QaWindowMaker(tokenizer, {
        maxSeqLength: expected.max_seq_length,
        docStride: expected.doc_stride,
        maxQueryLength: expected.max_query_length ?? undefined,
      });
      const full = new Map(expected.full.map((entry) => [entry.example, entry.windows]));
      const mismatches: number[] = [];
      let total = 0;
      examples.forEach((example, e) => {
        const windows = maker.windowsOf(example, e);
        total += windows.length;
        const parts = windows.map(windowParts);
        if (full.has(e)) expect(parts).toEqual(full.get(e));
        const tail = windows.every(
          (w) =>
            w.inputIds.length === expected.max_seq_length &&
            w.inputIds.subarray(w.attentionMask.indexOf(0) >>> 0).every((id) => id === 0),
        );
        if (
          windows.length !== expected.counts.charCodeAt(e) - 48 ||
          digest(...(parts.flat(1) as number[][])) !== expected.hashes[e] ||
          !tail
        )
          mismatches.push(e);
      });
      expect(mismatches).toEqual([]);
      expect(total).toBe(expected.windows);
    });
  }
});

describe('windows: labels and errors', () => {
  const context = 'Ann wrote the book in 1999. '.repeat(40);
  it('labels the answer in the windows that hold it wholly, CLS elsewhere; offsets slice the answer', () => {
    const start = context.lastIndexOf('1999');
    const windows = buildWindows(tokenizer, [{ question: 'When?', context, answers: [{ text: '1999', start }] }], {
      maxSeqLength: 64,
      docStride: 16,
    });
    expect(windows.length).toBeGreaterThan(3);
    const labelled = windows.filter((w) => w.isImpossible === 0);
    expect(labelled.length).toBeGreaterThan(0);
    for (const w of labelled)
      expect(context.slice(w.offsets[2 * w.startPosition], w.offsets[2 * w.endPosition + 1])).toBe('1999');
    expect(windows[0]?.startPosition).toBe(0);
  });
  it('rejects settings and questions that leave no room for the context', () => {
    expect(() => new QaWindowMaker(tokenizer, { maxSeqLength: 64, docStride: 64 })).toThrow(InvalidArgumentError);
    expect(() =>
      buildWindows(tokenizer, [{ question: 'why '.repeat(60), context }], { maxSeqLength: 64, docStride: 16 }),
    ).toThrow(/leaves 1 context tokens per window, not more than docStride 16/);
    expect(() =>
      readSquadExamples(
        {
          data: [
            {
              title: 't',
              paragraphs: [
                { context: 'abc', qas: [{ id: 'q', question: '?', answers: [{ text: 'x', answer_start: 0 }] }] },
              ],
            },
          ],
        },
        'f.json',
      ),
    ).toThrow(FileFormatError);
  });
});
