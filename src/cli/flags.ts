/** Parsing of typed command-line flag values, with one-line usage errors that name the flag. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The option specs `parseArgs` takes. */
type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
import { UsageError } from '../errors.js';

/** A positive integer flag value. @throws UsageError naming `flag`. */
export function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${flag}: '${text}' is not a positive integer`);
  }
  return value;
}

/** A non-negative integer flag value. @throws UsageError naming `flag`. */
export function nonNegativeInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  return text.trim() === '0' ? 0 : positiveInt(flag, text, fallback);
}

/** A finite number flag value, optionally bounded below (exclusive). @throws UsageError naming `flag`. */
export function finiteNumber(flag: string, text: string | undefined, fallback: number, above?: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag}: '${text}' is not a number`);
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

/**
 * `node:util` `parseArgs` in strict mode with positionals allowed; its errors (unknown flag, missing value) become
 * {@link UsageError}s, so the CLI prints one line and exits with 2.
 */
export function parseCommandLine<const O extends OptionSpecs>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: O }>> {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
