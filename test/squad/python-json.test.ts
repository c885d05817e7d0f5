/** Python float repr and json.dumps formatting, against Python's own output (tools/squad/make_metric_fixtures.py). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseOrderedObject } from '../../src/squad/pyjson/ordered-json.js';
import { parseNaProbs } from '../../src/squad/metric/na-probs.js';
import {
  pythonFloatRepr,
  pythonNumberRepr,
  pythonJsonDumps,
  pythonJsonDumpsValue,
  pythonJsonString,
  type PyJson,
  type PyNumber,
} from '../../src/squad/pyjson/python-json.js';
import { FileFormatError, InvalidArgumentError } from '../../src/errors.js';

const golden = JSON.parse(readFileSync(new URL('../fixtures/squad/metric-golden.json', import.meta.url), 'utf8')) as {
  float_repr: [number, string, string][];
};

describe('pythonFloatRepr', () => {
  it.each(golden.float_repr)('%s -> %s', (x, repr, dumped) => {
    expect(pythonFloatRepr(x)).toBe(repr);
    expect(pythonJsonDumps([['x', { kind: 'float', value: x }]])).toBe(`{"x": ${dumped}}`);
  });
  it('writes -0.0 (lost by JSON) and non-finite values as json.dumps does', () => {
    expect(pythonFloatRepr(-0)).toBe('-0.0');
    expect(pythonFloatRepr(Infinity)).toBe('Infinity');
    expect(pythonFloatRepr(Number.NaN)).toBe('NaN');
  });
});

describe('parseOrderedObject', () => {
  it('keeps file key order, which JSON.parse does not for integer-like keys', () => {
    const text = '{"b": 1, "10": 0.5, "a": [1, {"x": "}"}], "2": "s\\"q"}';
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['2', '10', 'b', 'a']);
    const members = parseOrderedObject(text);
    expect(members.map((m) => m.key)).toEqual(['b', '10', 'a', '2']);
    expect(members.map((m) => m.value)).toEqual([1, 0.5, [1, { x: '}' }], 's"q']);
  });
  it('reads Python literals, empty objects and a BOM', () => {
    expect(parseOrderedObject('\ufeff {} ')).toEqual([]);
    expect(parseOrderedObject('{"a": Infinity}')[0]?.value).toBe(Infinity);
  });
  it.each([
    ['', /unexpected end, expected '\{'/],
    ['[1]', /expected '\{'/],
    ['{"a": 1', /unexpected end/],
    ['{"a" 1}', /expected ':'/],
    ['{"a": 1,}', /expected a string key/],
    ['{"a": tru}', /malformed value/],
    ['{"a": "x}', /unterminated string/],
    ['{"a": 1} x', /unexpected text after the object/],
  ])('rejects %j with a located message', (text, message) => {
    expect(() => parseOrderedObject(text, 'na.json')).toThrow(FileFormatError);
    expect(() => parseOrderedObject(text, 'na.json')).toThrow(message);
    expect(() => parseOrderedObject(text, 'na.json')).toThrow(/^na\.json: invalid JSON at line 1, column \d+/);
  });
});

describe('parseNaProbs', () => {
  it('types values as Python json.load does', () => {
    expect(parseNaProbs('{"q1": 0, "q2": 0.0, "q3": 1e-5, "q4": -0}')).toEqual([
      { qid: 'q1', value: { kind: 'int', value: 0 } },
      { qid: 'q2', value: { kind: 'float', value: 0 } },
      { qid: 'q3', value: { kind: 'float', value: 1e-5 } },
      { qid: 'q4', value: { kind: 'int', value: 0 } },
    ]);
  });
  it('accepts NaN, ±Infinity and booleans as the official script (json.load, then > and sorted) does', () => {
    expect(parseNaProbs('{"q1": NaN, "q2": true, "q3": false, "q4": -Infinity}')).toEqual([
      { qid: 'q1', value: { kind: 'float', value: Number.NaN } },
      { qid: 'q2', value: { kind: 'bool', value: 1 } },
      { qid: 'q3', value: { kind: 'bool', value: 0 } },
      { qid: 'q4', value: { kind: 'float', value: -Infinity } },
    ]);
    expect(pythonNumberRepr({ kind: 'bool', value: 1 })).toBe('true');
  });
  it('rejects what the official script cannot compare (strings, null), naming file and qid', () => {
    expect(() => parseNaProbs('{"q1": null}', 'na.json')).toThrow(InvalidArgumentError);
    expect(() => parseNaProbs('{"q1": "0.5"}', 'na.json')).toThrow(/^na\.json: na_prob for q1 must be a number/);
  });
});

describe('pythonJsonDumpsValue / pythonJsonString', () => {
  const strings = (golden as unknown as { json_strings: [string, string][] }).json_strings;
  it('escapes strings as json.dumps (ensure_ascii) on adversarial Unicode', () => {
    const wrong = strings.filter(([s, dumped]) => pythonJsonString(s) !== dumped);
    expect(wrong).toEqual([]);
    expect(strings.length).toBeGreaterThan(90);
  });
  it('formats nested ordered values byte for byte (indent 4 and single line)', () => {
    const nested = (golden as unknown as { nested: { indent4: string; plain: string } }).nested;
    const f = (value: number): PyNumber => ({ kind: 'float', value });
    const i = (value: number): PyNumber => ({ kind: 'int', value });
    const value: PyJson = {
      entries: [
        [
          '10',
          [
            i(1),
            f(2.5),
            {
              entries: [
                ['b', []],
                ['c', { entries: [] }],
              ],
            },
          ],
        ],
        [
          'a',
          {
            entries: [
              ['x', null],
              ['y', true],
              ['z', false],
            ],
          },
        ],
        ['é', '\u{1F642}'],
        ['2', f(-0)],
      ],
    };
    expect(pythonJsonDumpsValue(value, 4)).toBe(nested.indent4);
    expect(pythonJsonDumpsValue(value)).toBe(nested.plain);
  });
});
