/**
 * Answer normalisation of the official SQuAD 2.0 scorer, reproduced with Python's string semantics rather than
 * JavaScript's: Unicode-aware lower-casing, deletion of the 32 ASCII punctuation characters, removal of the whole
 * words "a", "an", "the" (word boundaries follow Python's Unicode `\w`), and whitespace collapsing with Python's
 * `str.split()` definition of whitespace (which differs from JS `\s`).
 */

/** Python's `string.punctuation`: exactly these 32 ASCII characters are deleted. */
export const PYTHON_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

const PUNCTUATION_CODES = new Set(Array.from(PYTHON_PUNCTUATION, (c) => c.charCodeAt(0)));

/** Letters (Lu Ll Lt Lm Lo) and numbers (Nd Nl No): Python's `str.isalnum()`, the basis of its Unicode `\w`. */
const UNICODE_ALNUM = /^[\p{L}\p{N}]$/u;

/**
 * Whether the code point is whitespace for Python's `str.split()` / `str.isspace()`: bidirectional class WS, B or S,
 * or category Zs. Unlike JS `\s` this includes U+001C–U+001F and U+0085 and excludes U+FEFF.
 */
export function isPythonWhitespace(codePoint: number): boolean {
  if (codePoint <= 0x20) return codePoint === 0x20 || (codePoint >= 0x09 && codePoint <= 0x0d) || (codePoint >= 0x1c && codePoint <= 0x1f);
  if (codePoint < 0x85) return false;
  return (
    codePoint === 0x85 ||
    codePoint === 0xa0 ||
    codePoint === 0x1680 ||
    (codePoint >= 0x2000 && codePoint <= 0x200a) ||
    codePoint === 0x2028 ||
    codePoint === 0x2029 ||
    codePoint === 0x202f ||
    codePoint === 0x205f ||
    codePoint === 0x3000
  );
}

/**
 * Whether the code point is a word character for Python's `re` with `re.UNICODE` (`\w`): `_` or a character for
 * which `str.isalnum()` is true. Combining marks (Mn, Mc) are not word characters, exactly as in Python.
 * Characters assigned after the JS engine's and Python's Unicode versions diverge may classify differently.
 */
export function isPythonWordChar(codePoint: number): boolean {
  if (codePoint < 0x80) {
    return (
      (codePoint >= 0x30 && codePoint <= 0x39) ||
      (codePoint >= 0x41 && codePoint <= 0x5a) ||
      (codePoint >= 0x61 && codePoint <= 0x7a) ||
      codePoint === 0x5f
    );
  }
  return UNICODE_ALNUM.test(String.fromCodePoint(codePoint));
}

const ARTICLES = new Set(['a', 'an', 'the']);

/**
 * Normalised tokens of an answer: the official `normalize_answer(s).split()`. Returns `[]` for strings that
 * normalise to nothing ("", "the", ".").
 */
export function answerTokens(text: string): string[] {
  const lowered = text.toLowerCase();
  // Pass 1: delete ASCII punctuation (not replaced by a space).
  let stripped = '';
  let start = 0;
  for (let i = 0; i < lowered.length; i++) {
    if (PUNCTUATION_CODES.has(lowered.charCodeAt(i))) {
      stripped += lowered.slice(start, i);
      start = i + 1;
    }
  }
  stripped += lowered.slice(start);
  // Pass 2: split into maximal runs of word characters and of other characters; an article run becomes a space;
  // then split on Python whitespace, dropping empty pieces.
  const tokens: string[] = [];
  let current = '';
  let word = '';
  const flushWord = (): void => {
    if (ARTICLES.has(word)) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += word;
    }
    word = '';
  };
  for (const ch of stripped) {
    const cp = ch.codePointAt(0) as number;
    if (isPythonWordChar(cp)) {
      word += ch;
      continue;
    }
    if (word) flushWord();
    if (isPythonWhitespace(cp)) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (word) flushWord();
  if (current) tokens.push(current);
  return tokens;
}

/**
 * The official `normalize_answer`: lower-case, delete ASCII punctuation, remove the words a/an/the, collapse
 * whitespace to single spaces (no leading or trailing space).
 */
export function normalizeAnswer(text: string): string {
  return answerTokens(text).join(' ');
}
