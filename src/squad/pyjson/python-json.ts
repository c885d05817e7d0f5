/**
 * Python-compatible number and JSON formatting, so bertvision prints byte-for-byte what the official scorer's
 * `json.dumps` prints: floats in Python's shortest round-trip `repr` (`100.0`, `1e-05`, `1e+16`), ints as ints.
 */

/** A number together with the Python type it has in the official script. */
export interface PyNumber {
  /**
   * `'int'` prints without a decimal point; `'float'` prints as Python's `repr(float)`; `'bool'` (a JSON
   * `true`/`false` where the official script expects a number: Python compares it as 1/0) prints as `true`/`false`.
   */
  kind: 'int' | 'float' | 'bool';
  /** The value. */
  value: number;
}

/**
 * Python's `repr(x)` for a float (also what `json.dumps` writes): shortest round-trip digits, positional notation
 * when the decimal exponent is in [-4, 16), scientific otherwise with a signed, at least two-digit exponent;
 * integral values get `.0`. Non-finite values print as `json.dumps` writes them: `NaN`, `Infinity`, `-Infinity`.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const sign = x < 0 ? '-' : '';
  const decimalPoint = exponent + 1;
  if (decimalPoint > -4 && decimalPoint <= 16) {
    if (decimalPoint <= 0) return `${sign}0.${'0'.repeat(-decimalPoint)}${digits}`;
    if (decimalPoint >= digits.length) return `${sign}${digits}${'0'.repeat(decimalPoint - digits.length)}.0`;
    return `${sign}${digits.slice(0, decimalPoint)}.${digits.slice(decimalPoint)}`;
  }
  const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
  const absExponent = String(Math.abs(exponent)).padStart(2, '0');
  return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${absExponent}`;
}

/** Python's text for a {@link PyNumber}. */
export function pythonNumberRepr(n: PyNumber): string {
  if (n.kind === 'bool') return n.value ? 'true' : 'false';
  return n.kind === 'int' ? String(n.value) : pythonFloatRepr(n.value);
}

/** A JSON value with Python types: objects keep their key order (integer-like keys included). */
export type PyJson = string | boolean | null | PyNumber | readonly PyJson[] | PyObject;

/** An ordered JSON object. */
export interface PyObject {
  /** Members in output order. */
  entries: readonly (readonly [string, PyJson])[];
}

/**
 * A string as Python's `json.dumps` writes it by default (`ensure_ascii=True`): `\"`, `\\`, `\n`, `\r`, `\t`,
 * `\b`, `\f`, other characters below U+0020 and every non-ASCII UTF-16 unit as `\uxxxx` (lower-case hex), so
 * astral characters become surrogate pairs and lone surrogates are kept.
 */
export function pythonJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const ch = text[i] as string;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

function isPyNumber(value: PyJson): value is PyNumber {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

function dumpValue(value: PyJson, indent: number | undefined, level: number): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return pythonJsonString(value);
  if (isPyNumber(value)) return pythonNumberRepr(value);
  const isArray = Array.isArray(value);
  const items = isArray
    ? (value as readonly PyJson[]).map((v) => dumpValue(v, indent, level + 1))
    : (value as PyObject).entries.map(([k, v]) => `${pythonJsonString(k)}: ${dumpValue(v, indent, level + 1)}`);
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  if (items.length === 0) return `${open}${close}`;
  if (indent === undefined) return `${open}${items.join(', ')}${close}`;
  const inner = ' '.repeat(indent * (level + 1));
  return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${' '.repeat(indent * level)}${close}`;
}

/**
 * Python's `json.dumps(value)` (single line, `", "` and `": "` separators) or `json.dumps(value, indent=n)`, with
 * the default `ensure_ascii=True`.
 * @param indent Spaces per level; `undefined` (default) for the single-line form.
 */
export function pythonJsonDumpsValue(value: PyJson, indent?: number): string {
  return dumpValue(value, indent, 0);
}

/** {@link pythonJsonDumpsValue} of a flat object of numbers: what the official scorer prints (`indent` 2) or writes. */
export function pythonJsonDumps(entries: readonly (readonly [string, PyNumber])[], indent?: number): string {
  return pythonJsonDumpsValue({ entries }, indent);
}
