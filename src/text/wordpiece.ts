/**
 * BertPreTokenizer (split on whitespace, isolate punctuation) and the WordPiece model (greedy longest match with a
 * continuing-subword prefix), over a normalized, aligned text.
 */
import { isWhitespace, type AlignedText } from './bert-normalizer.js';

/** The WordPiece model of a `tokenizer.json` (`model` of type `WordPiece`). */
export interface WordPieceModel {
  /** Token → id. */
  vocab: ReadonlyMap<string, number>;
  /** Id of the unknown token (a whole word becomes it when it cannot be split into vocabulary pieces). */
  unkId: number;
  /** Prefix of a piece that continues a word. Default `'##'`. */
  continuingSubwordPrefix: string;
  /** A longer word (in code points) becomes the unknown token. Default 100. */
  maxInputCharsPerWord: number;
}

const PUNCTUATION = /^\p{P}$/u;

/** BertPreTokenizer's punctuation: ASCII punctuation (symbols such as `$+<=>^|~` included) or Unicode category P*. */
function isBertPunctuation(cp: number): boolean {
  if (cp < 0x80)
    return (
      (cp >= 0x21 && cp <= 0x2f) ||
      (cp >= 0x3a && cp <= 0x40) ||
      (cp >= 0x5b && cp <= 0x60) ||
      (cp >= 0x7b && cp <= 0x7e)
    );
  return PUNCTUATION.test(String.fromCodePoint(cp));
}

/** Word boundaries `[start, end)` in code-point indices of `text`: whitespace removed, punctuation isolated. */
export function preTokenizeBert(text: AlignedText): [number, number][] {
  const words: [number, number][] = [];
  let wordStart = -1;
  const { codePoints } = text;
  for (let i = 0; i < codePoints.length; i++) {
    const cp = codePoints[i] as number;
    if (isWhitespace(cp)) {
      if (wordStart >= 0) words.push([wordStart, i]);
      wordStart = -1;
    } else if (isBertPunctuation(cp)) {
      if (wordStart >= 0) words.push([wordStart, i]);
      words.push([i, i + 1]);
      wordStart = -1;
    } else if (wordStart < 0) {
      wordStart = i;
    }
  }
  if (wordStart >= 0) words.push([wordStart, codePoints.length]);
  return words;
}

/**
 * Split one word (code points `[start, end)` of `text`) into WordPiece ids, appending ids and original UTF-16
 * offsets to `ids` and `offsets`.
 */
export function wordPiece(
  model: WordPieceModel,
  text: AlignedText,
  start: number,
  end: number,
  ids: number[],
  offsets: [number, number][],
): void {
  const { codePoints, starts, ends } = text;
  if (end - start > model.maxInputCharsPerWord) {
    ids.push(model.unkId);
    offsets.push([starts[start] as number, ends[end - 1] as number]);
    return;
  }
  const pieceIds: number[] = [];
  const pieceOffsets: [number, number][] = [];
  let at = start;
  while (at < end) {
    let found = -1;
    let stop = end;
    for (; stop > at; stop--) {
      const body = String.fromCodePoint(...codePoints.slice(at, stop));
      const id = model.vocab.get(at > start ? model.continuingSubwordPrefix + body : body);
      if (id !== undefined) {
        found = id;
        break;
      }
    }
    if (found < 0) {
      ids.push(model.unkId);
      offsets.push([starts[start] as number, ends[end - 1] as number]);
      return;
    }
    pieceIds.push(found);
    pieceOffsets.push([starts[at] as number, ends[stop - 1] as number]);
    at = stop;
  }
  ids.push(...pieceIds);
  offsets.push(...pieceOffsets);
}
