/**
 * Python-compatible number and JSON formatting, so bertvision prints byte-for-byte what the official scorer's
 * `json.dumps` prints: floats in Python's shortest round-trip `repr` (`100.0`, `1e-05`, `1e+16`), ints as ints.
 */

/** A number together with the Python type it has in the official script. */
export interface PyNumber {
  /** `'int'` prints without a decimal point; `'float'` prints as Python's `repr(float)`. */
  kind: 'int' | 'float';
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
  return n.kind === 'int' ? String(n.value) : pythonFloatRepr(n.value);
}

/**
 * `json.dumps(obj)` (no indent: `{"a": 1, "b": 2.0}`) or `json.dumps(obj, indent=n)` of a flat object of numbers,
 * keys in the given order. Keys are escaped as `JSON.stringify` does, which equals Python's default
 * `ensure_ascii` output only for ASCII keys (all the scorer's keys are ASCII).
 * @param indent Spaces per level; `undefined` (default) for the single-line form.
 */
export function pythonJsonDumps(entries: readonly (readonly [string, PyNumber])[], indent?: number): string {
  const members = entries.map(([key, n]) => `${JSON.stringify(key)}: ${pythonNumberRepr(n)}`);
  if (indent === undefined) return `{${members.join(', ')}}`;
  if (members.length === 0) return '{}';
  const pad = ' '.repeat(indent);
  return `{\n${pad}${members.join(`,\n${pad}`)}\n}`;
}
