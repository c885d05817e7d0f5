/**
 * A BERT WordPiece tokenizer built from a HF `tokenizer.json`, giving the ids and offsets HF's fast tokenizers give.
 *
 * Offsets are UTF-16 indices into the JavaScript string (what `text.slice(start, end)` needs). Python `tokenizers`
 * reports code-point indices; the two differ only after a character outside the Basic Multilingual Plane
 * (`codePointOffsets` converts). Nothing is truncated or padded: the windowing (`buildWindows`) does that.
 */
import { FileFormatError, InvalidArgumentError } from '../errors.js';
import { normalizeBert, type AlignedText } from './bert-normalizer.js';
import { readTokenizerJson, type TemplatePiece, type TokenizerSpec } from './tokenizer-json.js';
import { preTokenizeBert, wordPiece } from './wordpiece.js';

/** Token ids of one sequence, with the UTF-16 offsets `[start, end)` of each token in its text. */
export interface TokenSequence {
  ids: number[];
  offsets: [number, number][];
}

/** An encoding as HF reports it: special tokens have offsets `[0, 0]` and sequence id `null`. */
export interface Encoding extends TokenSequence {
  /** Token type (segment) ids from the template: 0 for the first text, 1 for the pair with BERT's template. */
  typeIds: number[];
  /** 0 for tokens of `text`, 1 for tokens of `textPair`, `null` for special tokens. */
  sequenceIds: (0 | 1 | null)[];
}

/** A BERT WordPiece tokenizer. Build one with `loadTokenizer` (Node) or `tokenizerFromJson`. */
export class BertTokenizer {
  /** Id of `[CLS]`, when the vocabulary has it. */
  readonly clsId: number | undefined;
  /** Id of `[SEP]`, when the vocabulary has it. */
  readonly sepId: number | undefined;
  /** Id used for padding (the file's padding id, else `[PAD]`, else 0). */
  readonly padId: number;

  constructor(private readonly spec: TokenizerSpec) {
    this.clsId = spec.clsId;
    this.sepId = spec.sepId;
    this.padId = spec.padId;
  }

  /** Number of special tokens the template adds to a single text (1) or a pair (2). BERT: 2 and 3. */
  specialTokenCount(pair: boolean): number {
    return (pair ? this.spec.pair : this.spec.single).reduce(
      (n, piece) => n + (piece.kind === 'special' ? piece.ids.length : 0),
      0,
    );
  }

  /** Token ids and UTF-16 offsets of `text` alone, without special tokens. */
  encodeSequence(text: string): TokenSequence {
    if (typeof text !== 'string') throw new InvalidArgumentError(`tokenizer: expected a string, got ${typeof text}`);
    const out: TokenSequence = { ids: [], offsets: [] };
    let segmentStart = 0;
    for (let at = 0; at < text.length; ) {
      const added = this.addedTokenAt(text, at);
      if (!added) {
        at++;
        continue;
      }
      this.encodeSegment(text, segmentStart, at, out);
      out.ids.push(added.id);
      out.offsets.push([at, at + added.content.length]);
      at += added.content.length;
      segmentStart = at;
    }
    this.encodeSegment(text, segmentStart, text.length, out);
    return out;
  }

  /**
   * Encode `text` (and `textPair`) with the post-processing template: `[CLS] text [SEP]`, or
   * `[CLS] text [SEP] textPair [SEP]` for BERT.
   * @example
   * const tokenizer = await loadTokenizer('model/tokenizer.json');
   * const { ids, offsets } = tokenizer.encode('Who wrote it?', 'It was written by Ann.');
   */
  encode(text: string, textPair?: string): Encoding {
    const first = this.encodeSequence(text);
    return this.applyTemplate(first, textPair === undefined ? undefined : this.encodeSequence(textPair));
  }

  /** Join encoded sequences with the template's special tokens (type ids and sequence ids set per piece). */
  applyTemplate(first: TokenSequence, second?: TokenSequence): Encoding {
    const out: Encoding = { ids: [], offsets: [], typeIds: [], sequenceIds: [] };
    const template: TemplatePiece[] = second ? this.spec.pair : this.spec.single;
    for (const piece of template) {
      if (piece.kind === 'special') {
        for (const id of piece.ids) {
          out.ids.push(id);
          out.offsets.push([0, 0]);
          out.typeIds.push(piece.typeId);
          out.sequenceIds.push(null);
        }
        continue;
      }
      const sequence = piece.sequence === 0 ? first : second;
      if (!sequence) continue;
      for (let i = 0; i < sequence.ids.length; i++) {
        out.ids.push(sequence.ids[i] as number);
        out.offsets.push(sequence.offsets[i] as [number, number]);
        out.typeIds.push(piece.typeId);
        out.sequenceIds.push(piece.sequence);
      }
    }
    return out;
  }

  private addedTokenAt(text: string, at: number): { content: string; id: number } | undefined {
    let best: { content: string; id: number } | undefined;
    for (const token of this.spec.addedTokens) {
      if ((!best || token.content.length > best.content.length) && text.startsWith(token.content, at)) best = token;
    }
    return best;
  }

  private encodeSegment(text: string, from: number, to: number, out: TokenSequence): void {
    if (to <= from) return;
    const aligned = this.spec.normalizer
      ? normalizeBert(text, from, to, this.spec.normalizer)
      : identity(text, from, to);
    for (const [start, end] of preTokenizeBert(aligned))
      wordPiece(this.spec.model, aligned, start, end, out.ids, out.offsets);
  }
}

function identity(text: string, from: number, to: number): AlignedText {
  const out: AlignedText = { codePoints: [], starts: [], ends: [] };
  for (let i = from; i < to; ) {
    const cp = text.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    out.codePoints.push(cp);
    out.starts.push(i);
    out.ends.push(i + width);
    i += width;
  }
  return out;
}

/**
 * A tokenizer from the content of a `tokenizer.json` (parsed, or its text). `source` names it in errors.
 * @throws FileFormatError when the file is malformed or uses a part other than BERT WordPiece's.
 */
export function tokenizerFromJson(json: unknown, source?: string): BertTokenizer {
  let parsed = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (cause) {
      throw new FileFormatError(
        `tokenizer.json: not valid JSON (${(cause as Error).message})`,
        source ? { file: source, cause } : { cause },
      );
    }
  }
  return new BertTokenizer(readTokenizerJson(parsed, source));
}

/** Convert UTF-16 offsets into `text` to code-point offsets (Python `str` indices, what stores record). */
export function codePointOffsets(text: string, offsets: readonly (readonly [number, number])[]): [number, number][] {
  if (!/[\uD800-\uDFFF]/.test(text)) return offsets.map(([a, b]) => [a, b]);
  const codePointAt = new Int32Array(text.length + 1);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    codePointAt[i] = n;
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      codePointAt[i + 1] = n;
      i++;
    }
    n++;
  }
  codePointAt[text.length] = n;
  return offsets.map(([a, b]) => [codePointAt[a] as number, codePointAt[b] as number]);
}
