/**
 * A reader for JSON objects that keeps the file's key order. `JSON.parse` moves integer-like keys ("0", "17") to
 * the front of an object, but the official scorer's tie-breaking follows the file's key order, so na_prob files
 * must be read with this instead. Accepts Python's `NaN`, `Infinity` and `-Infinity` literals (as Python's
 * `json.load` does) so such files can be rejected with a precise message rather than a parse failure.
 */
import { FileFormatError } from '../../errors.js';

/** One `"key": value` member of an object, in file order. */
export interface OrderedMember {
  /** The decoded key. */
  key: string;
  /** The decoded value (`JSON.parse` of its text; Python literals become NaN / ±Infinity). */
  value: unknown;
  /** The value's source text, e.g. `0.50` or `1` (tells a Python int literal from a float literal). */
  raw: string;
}

const PYTHON_LITERALS: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity };

function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

class Scanner {
  pos = 0;
  constructor(
    readonly text: string,
    readonly file: string | undefined,
  ) {}

  fail(problem: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const column = this.pos - before.lastIndexOf('\n');
    throw new FileFormatError(`invalid JSON at line ${line}, column ${column}: ${problem}`, { file: this.file });
  }

  skipSpace(): void {
    while (this.pos < this.text.length && isJsonSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  expect(char: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== char)
      this.fail(this.pos >= this.text.length ? `unexpected end, expected '${char}'` : `expected '${char}'`);
    this.pos++;
  }

  /** End index (exclusive) of the string literal starting at `this.pos` (which holds the opening quote). */
  stringEnd(): number {
    let i = this.pos + 1;
    for (;;) {
      const code = this.text.charCodeAt(i);
      if (Number.isNaN(code)) this.fail('unterminated string');
      if (code === 0x22) return i + 1;
      i += code === 0x5c ? 2 : 1;
    }
  }

  parseSlice(start: number, end: number): unknown {
    const raw = this.text.slice(start, end);
    const literal = PYTHON_LITERALS[raw];
    if (literal !== undefined) return literal;
    try {
      return JSON.parse(raw);
    } catch {
      this.pos = start;
      return this.fail(`malformed value ${JSON.stringify(raw.slice(0, 40))}`);
    }
  }

  /** Scan one value and return its [start, end) range. */
  valueRange(): [number, number] {
    this.skipSpace();
    const start = this.pos;
    const first = this.text[start];
    if (first === undefined) this.fail('unexpected end, expected a value');
    if (first === '"') {
      this.pos = this.stringEnd();
    } else if (first === '{' || first === '[') {
      let depth = 0;
      while (this.pos < this.text.length) {
        const c = this.text[this.pos];
        if (c === '"') {
          this.pos = this.stringEnd();
          continue;
        }
        if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') depth--;
        this.pos++;
        if (depth === 0) break;
      }
      if (depth !== 0) this.fail('unterminated object or array');
    } else {
      while (this.pos < this.text.length && !/[\s,}\]]/.test(this.text[this.pos] as string)) this.pos++;
    }
    return [start, this.pos];
  }
}

/**
 * Parse `text`, which must hold one JSON object, into its members in file order. Duplicate keys are kept as
 * separate members (callers decide; Python keeps the first position and the last value).
 * @param file Named in error messages.
 * @throws FileFormatError when the text is not a single JSON object.
 */
export function parseOrderedObject(text: string, file?: string): OrderedMember[] {
  const scanner = new Scanner(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file);
  scanner.expect('{');
  const members: OrderedMember[] = [];
  scanner.skipSpace();
  if (scanner.text[scanner.pos] === '}') {
    scanner.pos++;
  } else {
    for (;;) {
      scanner.skipSpace();
      if (scanner.text[scanner.pos] !== '"') scanner.fail('expected a string key');
      const keyStart = scanner.pos;
      scanner.pos = scanner.stringEnd();
      const key = scanner.parseSlice(keyStart, scanner.pos) as string;
      scanner.expect(':');
      const [start, end] = scanner.valueRange();
      members.push({ key, value: scanner.parseSlice(start, end), raw: scanner.text.slice(start, end) });
      scanner.skipSpace();
      const next = scanner.text[scanner.pos];
      scanner.pos++;
      if (next === '}') break;
      if (next !== ',') {
        scanner.pos--;
        scanner.fail(next === undefined ? "unexpected end, expected ',' or '}'" : "expected ',' or '}'");
      }
    }
  }
  scanner.skipSpace();
  if (scanner.pos < scanner.text.length) scanner.fail('unexpected text after the object');
  return members;
}
