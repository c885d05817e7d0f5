/**
 * Reading na_prob (or null-odds) files: a JSON object qid → number, kept in file order because the official
 * best-threshold search breaks ties by that order. Browser-safe: takes the file's text.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { NaProbEntry } from './official-eval.js';
import { parseOrderedObject } from '../pyjson/ordered-json.js';

const INT_LITERAL = /^-?(?:0|[1-9]\d*)$/;

/**
 * Parse an na_prob file's text into entries in file order, each value typed as Python's `json.load` types it
 * (`1` is an int, `1.0` a float, `true` a bool). What the official script accepts is accepted: `NaN`, `Infinity`
 * and `-Infinity` (it compares them with `>` and sorts them like any float; V8's TimSort is a port of CPython's
 * and compares the same way) and `true`/`false` (1 and 0 in every comparison).
 * @param file Named in error messages.
 * @throws FileFormatError for malformed JSON; InvalidArgumentError for a value the official script cannot
 *   compare with a float (a string, null, a list or an object: it fails with a TypeError there).
 */
export function parseNaProbs(text: string, file?: string): NaProbEntry[] {
  return parseOrderedObject(text, file).map(({ key, value, raw }) => {
    if (typeof value === 'boolean') return { qid: key, value: { kind: 'bool', value: value ? 1 : 0 } };
    if (typeof value !== 'number') {
      throw new InvalidArgumentError(
        `na_prob for ${key} must be a number, got ${raw.slice(0, 40)} (the official script cannot compare it either)`,
        { file },
      );
    }
    return { qid: key, value: { kind: INT_LITERAL.test(raw) ? 'int' : 'float', value: value === 0 ? 0 : value } };
  });
}
