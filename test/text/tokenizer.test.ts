/** The WordPiece tokenizer against HF `tokenizers` on the whole SQuAD 2.0 dev set (tools/text/make_tokenizer_fixture.py). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../../src/errors.js';
import { loadTokenizer } from '../../src/text/load-tokenizer.node.js';
import { codePointOffsets, tokenizerFromJson } from '../../src/text/tokenizer.js';
import { devStrings, digest, MINILM_TOKENIZER } from './fixture-hash.js';

interface Expected {
  ids: number[];
  offsets: [number, number][];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/text/tokenizer-dev.json', import.meta.url), 'utf8')) as {
  count: number;
  hashes: string[];
  full: (Expected & { index: number })[];
  pairs: (Expected & { text: string; pair: string })[];
  extra: (Expected & { text: string })[];
};
const tokenizer = await loadTokenizer(fileURLToPath(MINILM_TOKENIZER));

describe('BertTokenizer (all-MiniLM-L6-v2) vs HF tokenizers', () => {
  const strings = devStrings();
  it('gives the ids and offsets of every dev question and context', () => {
    expect(strings.length).toBe(fixture.count);
    for (const entry of fixture.full) {
      const { ids, offsets } = tokenizer.encode((strings[entry.index] as { text: string }).text);
      expect({ ids, offsets }).toEqual({ ids: entry.ids, offsets: entry.offsets });
    }
    const mismatches: number[] = [];
    strings.forEach(({ text }, i) => {
      const { ids, offsets } = tokenizer.encode(text);
      if (digest(ids, offsets) !== fixture.hashes[i]) mismatches.push(i);
    });
    expect(mismatches).toEqual([]);
  });
  it('encodes pairs with the template (type ids, sequence ids, offsets into each text)', () => {
    for (const pair of fixture.pairs) {
      const { ids, offsets, typeIds, sequenceIds } = tokenizer.encode(pair.text, pair.pair);
      expect({ ids, offsets }).toEqual({ ids: pair.ids, offsets: pair.offsets });
      const sepAt = ids.indexOf(tokenizer.sepId as number);
      expect(typeIds.slice(0, sepAt + 1).every((t) => t === 0) && typeIds.slice(sepAt + 1).every((t) => t === 1)).toBe(
        true,
      );
      expect(sequenceIds[0]).toBeNull();
      expect(sequenceIds[sepAt + 1]).toBe(1);
    }
  });
  it('handles accents, CJK, special tokens in the text, astral characters, controls and symbols as HF does', () => {
    for (const extra of fixture.extra) {
      const { ids, offsets } = tokenizer.encode(extra.text);
      expect({ ids, offsets }).toEqual({ ids: extra.ids, offsets: extra.offsets });
    }
  });
});

describe('tokenizer offsets and errors', () => {
  it('reports UTF-16 offsets that slice the text; codePointOffsets gives Python indices', () => {
    const text = '😀 café';
    const { offsets } = tokenizer.encodeSequence(text);
    expect(offsets.map(([a, b]) => text.slice(a, b))).toEqual(['😀', 'café']);
    expect(codePointOffsets(text, offsets)).toEqual([
      [0, 1],
      [2, 6],
    ]);
  });
  it('rejects what is not a BERT WordPiece tokenizer.json with a FileFormatError naming the file', async () => {
    expect(() => tokenizerFromJson('{not json', 'x.json')).toThrow(FileFormatError);
    expect(() => tokenizerFromJson({ model: { type: 'BPE' }, pre_tokenizer: { type: 'BertPreTokenizer' } })).toThrow(
      /model "BPE" is not supported/,
    );
    expect(() =>
      tokenizerFromJson({ model: { type: 'WordPiece', vocab: {} }, pre_tokenizer: { type: 'BertPreTokenizer' } }),
    ).toThrow(/unknown token/);
    await expect(loadTokenizer('/nonexistent/tokenizer.json')).rejects.toThrow(/nonexistent\/tokenizer.json/);
  });
});
