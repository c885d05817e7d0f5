/** Parsing of typed command-line flag values, with one-line usage errors that name the flag. */
import { UsageError } from '../errors.js';
import type { ActivationShape } from '../models/types.js';

/** A decimal number as users write it: `3`, `-0.55`, `.5`, `1e-3`; not `0x10`, `1_000`, `Infinity` or ``. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A positive integer flag value. @throws UsageError naming `flag`. */
export function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\+?\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${flag}: '${text}' is not a positive integer`);
  }
  return value;
}

/** A non-negative integer flag value. @throws UsageError naming `flag`. */
export function nonNegativeInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  return /^\+?0+$/.test(text) ? 0 : positiveInt(flag, text, fallback);
}

/**
 * A finite decimal number flag value (negatives included), optionally bounded below (exclusive).
 * @throws UsageError naming `flag`.
 */
export function finiteNumber(flag: string, text: string | undefined, fallback: number, above?: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!DECIMAL.test(text) || !Number.isFinite(value))
    throw new UsageError(`${flag}: '${text}' is not a decimal number`);
  if (above !== undefined && !(value > above)) throw new UsageError(`${flag}: ${value} must be greater than ${above}`);
  return value;
}

/** One of a fixed set of values. @throws UsageError listing the choices. */
export function choice<T extends string>(
  flag: string,
  text: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text))
    throw new UsageError(`${flag}: '${text}' is not one of ${choices.join(', ')}`);
  return text as T;
}

/** An activation shape `S,E,L` (three positive integers), e.g. `386,1024,25`. @throws UsageError naming `flag`. */
export function activationShape(flag: string, text: string | undefined): ActivationShape | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',');
  if (parts.length !== 3) throw new UsageError(`${flag}: '${text}' is not S,E,L (three positive integers)`);
  const [s, e, l] = parts.map((p) => positiveInt(flag, p.trim(), 0)) as [number, number, number];
  return [s, e, l];
}
