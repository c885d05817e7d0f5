/**
 * HF `tokenizers`' BertNormalizer with alignments: every normalized code point remembers the UTF-16 range of the
 * original character it came from, so token offsets map back into the text the user gave.
 */

/** The BertNormalizer settings of a `tokenizer.json` (`normalizer` of type `BertNormalizer`). */
export interface BertNormalizerSettings {
  /** Drop control characters, NUL and U+FFFD; every whitespace character becomes a space. Default `true`. */
  cleanText: boolean;
  /** Put spaces around CJK ideographs so each becomes its own word. Default `true`. */
  handleChineseChars: boolean;
  /** Decompose (NFD) and drop non-spacing marks. `null` (the default) means: do it when `lowercase` is set. */
  stripAccents: boolean | null;
  /** Lower-case every character (Unicode default lower-casing, one character at a time). Default `true`. */
  lowercase: boolean;
}

/** A normalized string: its code points and, per code point, the original UTF-16 range `[start, end)`. */
export interface AlignedText {
  codePoints: number[];
  starts: number[];
  ends: number[];
}

const CONTROL = /^\p{C}$/u;
const WHITESPACE = /^\p{White_Space}$/u;
const NON_SPACING_MARK = /^\p{Mn}$/u;

/** Rust's `char::is_whitespace` (the Unicode White_Space property); tab, newline and carriage return included. */
export function isWhitespace(codePoint: number): boolean {
  if (codePoint < 0x80) return codePoint === 0x20 || (codePoint >= 0x09 && codePoint <= 0x0d);
  return WHITESPACE.test(String.fromCodePoint(codePoint));
}

/** BertNormalizer's control test: Unicode category C* except tab, newline and carriage return. */
function isControl(codePoint: number): boolean {
  if (codePoint === 0x09 || codePoint === 0x0a || codePoint === 0x0d) return false;
  if (codePoint >= 0x20 && codePoint < 0x7f) return false;
  return CONTROL.test(String.fromCodePoint(codePoint));
}

/** The CJK ideograph blocks BERT splits around (BertNormalizer's `is_chinese_char`). */
function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Append `cp` after the optional accent stripping and lower-casing steps, aligned to `[start, end)`. */
function pushCased(out: AlignedText, cp: number, start: number, end: number, strip: boolean, lower: boolean): void {
  let pieces: number[] = [cp];
  if (strip && cp >= 0xc0) {
    pieces = [];
    for (const ch of String.fromCodePoint(cp).normalize('NFD')) {
      if (!NON_SPACING_MARK.test(ch)) pieces.push(ch.codePointAt(0) as number);
    }
  }
  for (const piece of pieces) {
    if (!lower || (piece < 0x80 && !(piece >= 0x41 && piece <= 0x5a))) {
      out.codePoints.push(piece);
      out.starts.push(start);
      out.ends.push(end);
      continue;
    }
    for (const ch of String.fromCodePoint(piece).toLowerCase()) {
      out.codePoints.push(ch.codePointAt(0) as number);
      out.starts.push(start);
      out.ends.push(end);
    }
  }
}

/**
 * Normalize `text[from, to)` (UTF-16 indices) as BertNormalizer does: clean text, CJK spacing, accent stripping
 * (NFD, then drop Mn), lower-casing — in that order, one original character at a time.
 */
export function normalizeBert(text: string, from: number, to: number, settings: BertNormalizerSettings): AlignedText {
  const out: AlignedText = { codePoints: [], starts: [], ends: [] };
  const strip = settings.stripAccents ?? settings.lowercase;
  for (let i = from; i < to; ) {
    const cp = text.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    const start = i;
    i += width;
    let c = cp;
    if (settings.cleanText) {
      if (c === 0 || c === 0xfffd || isControl(c)) continue;
      if (isWhitespace(c)) c = 0x20;
    }
    if (settings.handleChineseChars && isChineseChar(c)) {
      out.codePoints.push(0x20, c, 0x20);
      out.starts.push(start, start, start);
      out.ends.push(i, i, i);
      continue;
    }
    pushCased(out, c, start, i, strip, settings.lowercase);
  }
  return out;
}
