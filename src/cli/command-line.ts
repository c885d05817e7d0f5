/**
 * The command line of one subcommand: `node:util` `parseArgs` (strict, positionals allowed) behind a front that
 * gives every error a one-line {@link UsageError} (exit code 2): unknown flags with a "did you mean", a missing value,
 * a value given to a switch. A value flag takes the next argument even when it is a negative number
 * (`--null-score-diff-threshold -0.55`, `-t -1`), which `parseArgs` alone refuses as ambiguous.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

/** The option specs `parseArgs` takes. */
type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** What `parseArgs` returns for these specs. */
type Parsed<O extends OptionSpecs> = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: O }>
>;

/** An argument that is a number, not a flag: `-1`, `-0.55`, `-.5`, `-1e-3`. */
const NEGATIVE_NUMBER = /^-(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Edit distance of two short strings (flag names). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = row;
  }
  return previous[b.length]!;
}

/** The names (flags, commands) closest to `name` (at most 2 edits away, or a third of its length; or names it begins). */
export function closestNames(name: string, names: readonly string[]): string[] {
  const scored = names
    .map((n) => ({ n, d: n.startsWith(name) ? 0 : editDistance(name, n) }))
    .filter(({ d }) => d <= Math.max(2, Math.floor(name.length / 3)));
  const best = Math.min(...scored.map(({ d }) => d));
  return scored.filter(({ d }) => d === best).map(({ n }) => n);
}

function unknownFlag(flag: string, options: OptionSpecs): UsageError {
  const names = [...Object.keys(options), 'help'];
  const close = closestNames(flag.replace(/^-+/, ''), names);
  const hint = close.length ? ` (did you mean ${close.map((n) => `--${n}`).join(' or ')}?)` : '';
  return new UsageError(`unknown flag ${flag}${hint}`);
}

/**
 * Rewrite `argv` so that `parseArgs` cannot misread it: every value flag as `--name=value`, then `--`, then the
 * positionals. @throws UsageError for unknown flags, missing values and values given to switches.
 */
function normalize(argv: readonly string[], options: OptionSpecs): string[] {
  const shorts = new Map(Object.entries(options).flatMap(([n, s]) => (s.short ? [[s.short, n] as const] : [])));
  const flags: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || NEGATIVE_NUMBER.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const eq = arg.indexOf('=');
    const [written, inline] = long
      ? eq < 0
        ? [arg, undefined]
        : [arg.slice(0, eq), arg.slice(eq + 1)]
      : [arg.slice(0, 2), arg.length > 2 ? arg.slice(2).replace(/^=/, '') : undefined];
    const name = long ? written.slice(2) : shorts.get(written.slice(1));
    const spec = name === undefined ? undefined : options[name];
    if (name === undefined || spec === undefined) throw unknownFlag(written, options);
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`${written} is a switch and takes no value`);
      flags.push(`--${name}`);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-' && !NEGATIVE_NUMBER.test(next)))
        throw new UsageError(`${written} needs a value`);
      value = next;
      i++;
    }
    flags.push(`--${name}=${value}`);
  }
  return [...flags, '--', ...positionals];
}

/**
 * Parse a subcommand's arguments: `parseArgs` in strict mode with positionals allowed, behind the front described in
 * the module comment. @throws UsageError (one line) for anything `parseArgs` would refuse.
 */
export function parseCommandLine<const O extends OptionSpecs>(argv: readonly string[], options: O): Parsed<O> {
  return parseArgs({ args: normalize(argv, options), allowPositionals: true, strict: true, options });
}
