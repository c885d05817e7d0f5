/**
 * Answer normalisation of the official SQuAD 2.0 scorer, reproduced with Python's string semantics rather than
 * JavaScript's: Unicode-aware lower-casing, deletion of the 32 ASCII punctuation characters, removal of the whole
 * words "a", "an", "the" (word boundaries follow Python's Unicode `\w`), and whitespace collapsing with Python's
 * `str.split()` definition of whitespace (which differs from JS `\s`).
 */

/** Python's `string.punctuation`: exactly these 32 ASCII characters are deleted. */
export const PYTHON_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** Letters (Lu Ll Lt Lm Lo) and numbers (Nd Nl No): Python's `str.isalnum()`, the basis of its Unicode `\w`. */
const UNICODE_ALNUM = /^[\p{L}\p{N}]$/u;

/**
 * Whether the code point is whitespace for Python's `str.split()` / `str.isspace()`: bidirectional class WS, B or S,
 * or category Zs. Unlike JS `\s` this includes U+001C–U+001F and U+0085 and excludes U+FEFF.
 */
export function isPythonWhitespace(codePoint: number): boolean {
  if (codePoint <= 0x20)
    return codePoint === 0x20 || (codePoint >= 0x09 && codePoint <= 0x0d) || (codePoint >= 0x1c && codePoint <= 0x1f);
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

/** The 32 ASCII punctuation characters of {@link PYTHON_PUNCTUATION}, as code ranges. */
const PUNCTUATION_RE = /[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/g;

function isArticle(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length === 1) return text.charCodeAt(start) === 0x61;
  if (length === 2) return text.startsWith('an', start);
  return length === 3 && text.startsWith('the', start);
}

/**
 * Normalised tokens of an answer: the official `normalize_answer(s).split()`. Returns `[]` for strings that
 * normalise to nothing ("", "the", "."). Tokens are the pieces between Python whitespace and removed articles
 * (an article becomes a space, so it always separates tokens).
 */
export function answerTokens(text: string): string[] {
  const s = text.toLowerCase().replace(PUNCTUATION_RE, '');
  const tokens: string[] = [];
  let tokenStart = -1; // start of the current token, -1 between tokens
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    let separatorEnd = -1; // end of a whitespace character or removed article at i, if there is one
    if (isPythonWordChar(cp)) {
      let j = i + width;
      while (j < s.length) {
        const next = s.codePointAt(j) as number;
        if (!isPythonWordChar(next)) break;
        j += next > 0xffff ? 2 : 1;
      }
      if (isArticle(s, i, j)) separatorEnd = j;
      else if (tokenStart < 0) tokenStart = i;
      if (separatorEnd < 0) i = j;
    } else if (isPythonWhitespace(cp)) {
      separatorEnd = i + width;
    } else {
      if (tokenStart < 0) tokenStart = i;
      i += width;
    }
    if (separatorEnd >= 0) {
      if (tokenStart >= 0) tokens.push(s.slice(tokenStart, i));
      tokenStart = -1;
      i = separatorEnd;
    }
  }
  if (tokenStart >= 0) tokens.push(s.slice(tokenStart));
  return tokens;
}

/**
 * The official `normalize_answer`: lower-case, delete ASCII punctuation, remove the words a/an/the, collapse
 * whitespace to single spaces (no leading or trailing space).
 */
export function normalizeAnswer(text: string): string {
  return answerTokens(text).join(' ');
}
