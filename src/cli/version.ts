/** The version `bertvision --version` prints: the package's own, read from its package.json. */
import { readFileSync } from 'node:fs';

/**
 * The `version` of bertvision's package.json. Both `src/cli/` and the built `dist/cli/` sit two levels below the
 * package root, so the same relative path finds it from the sources (tests, tsx) and from the installed bin.
 */
export function packageVersion(): string {
  const json = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return json.version;
}
