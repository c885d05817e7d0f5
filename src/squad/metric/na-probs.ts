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
 * (`1` is an int, `1.0` a float).
 * @param file Named in error messages.
 * @throws FileFormatError for malformed JSON; InvalidArgumentError for a value that is not a number or is NaN.
 */
export function parseNaProbs(text: string, file?: string): NaProbEntry[] {
  return parseOrderedObject(text, file).map(({ key, value, raw }) => {
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw new InvalidArgumentError(`na_prob for ${key} must be a number, got ${raw.slice(0, 40)}`, { file });
    }
    return { qid: key, value: { kind: INT_LITERAL.test(raw) ? 'int' : 'float', value: value === 0 ? 0 : value } };
  });
}
