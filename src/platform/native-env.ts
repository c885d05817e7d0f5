/**
 * The environment variables of the native kernels, read the same way everywhere: `BERTVISION_NATIVE` takes the
 * usual spellings of on and off (so does `BERTVISION_HUGE_PAGES`), `BERTVISION_THREADS` a positive integer capped at
 * 4× the cores. Anything else is named in one warning (per variable and value) and replaced by the default, never
 * ignored without a word.
 */
import { availableParallelism } from 'node:os';

/** Spellings of off and on for `BERTVISION_NATIVE` and `BERTVISION_HUGE_PAGES` (compared trimmed, case-insensitive). */
const OFF = new Set(['0', 'false', 'off', 'no']);
const ON = new Set(['1', 'true', 'on', 'yes']);

const warned = new Set<string>();

/** Emit `message` as a process warning once per `key` (code BERTVISION_ENV). */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(message, { code: 'BERTVISION_ENV' });
}

/**
 * Whether the on/off switch `name` set to `value` is on: unset, empty, 1/true/on/yes → true; 0/false/off/no → false;
 * anything else → true, with a warning that ends in `stillOn` (what stays on).
 */
function switchOn(
  name: string,
  value: string | undefined,
  stillOn: string,
  warn: (key: string, message: string) => void,
): boolean {
  if (value === undefined) return true;
  const spelled = value.trim().toLowerCase();
  if (spelled === '' || ON.has(spelled)) return true;
  if (OFF.has(spelled)) return false;
  warn(
    `${name}=${value}`,
    `bertvision: ${name}=${JSON.stringify(value)} is not one of 0/false/off/no or 1/true/on/yes; ${stillOn}`,
  );
  return true;
}

/**
 * Whether `value` (of `BERTVISION_NATIVE`) allows the native kernels: unset, empty, 1/true/on/yes → true;
 * 0/false/off/no → false; anything else → true, with a warning.
 */
export function nativeAllowed(
  value: string | undefined,
  warn: (key: string, message: string) => void = warnOnce,
): boolean {
  return switchOn('BERTVISION_NATIVE', value, 'the native kernels stay on', warn);
}

/**
 * Whether `value` (of `BERTVISION_HUGE_PAGES`) allows asking for transparent huge pages for the wasm heap: unset,
 * empty, 1/true/on/yes → true; 0/false/off/no → false; anything else → true, with a warning.
 */
export function hugePagesAllowed(
  value: string | undefined,
  warn: (key: string, message: string) => void = warnOnce,
): boolean {
  return switchOn('BERTVISION_HUGE_PAGES', value, 'huge pages stay on', warn);
}

/**
 * Whether `value` (of `BERTVISION_PREFAULT`) allows faulting in a training step's heap ahead of the first step:
 * unset, empty, 1/true/on/yes → true; 0/false/off/no → false; anything else → true, with a warning.
 */
export function prefaultAllowed(
  value: string | undefined,
  warn: (key: string, message: string) => void = warnOnce,
): boolean {
  return switchOn('BERTVISION_PREFAULT', value, 'pre-faulting stays on', warn);
}

/** The largest thread count accepted: 4 threads per core. */
export function maxThreads(cores = availableParallelism()): number {
  return 4 * Math.max(1, cores);
}

/**
 * The thread count `value` (of `BERTVISION_THREADS`) asks for, as the native pool will use it: undefined when unset
 * (all cores); a positive integer up to {@link maxThreads}; a larger one is capped, anything else (0, -3, "many",
 * "0x10") falls back to all cores, each with a warning.
 */
export function threadCount(
  value: string | undefined,
  cores = availableParallelism(),
  warn: (key: string, message: string) => void = warnOnce,
): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const cap = maxThreads(cores);
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1) {
    warn(
      `BERTVISION_THREADS=${value}`,
      `bertvision: BERTVISION_THREADS=${JSON.stringify(value)} is not a positive decimal integer; using all ${cores} cores`,
    );
    return undefined;
  }
  const asked = Number(value);
  if (asked > cap) {
    warn(
      `BERTVISION_THREADS=${value}`,
      `bertvision: BERTVISION_THREADS=${asked} is more than 4 threads per core (${cores} cores); using ${cap}`,
    );
    return cap;
  }
  return asked;
}
