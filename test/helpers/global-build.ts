/**
 * Vitest global setup: the tests that run the `bertvision` bin run the built one (dist/cli/main.js), as users do.
 * When dist/ is missing or older than any file under src/, it is rebuilt once (`npx tsup`) before the tests start;
 * CI builds first, so there it only checks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const bin = join(root, 'dist', 'cli', 'main.js');
  if (existsSync(bin) && statSync(bin).mtimeMs >= newestMtime(join(root, 'src'))) return;
  process.stderr.write('test setup: dist/ is missing or older than src/; building it (npx tsup)\n');
  execFileSync('npx', ['tsup', '--silent'], { cwd: root, stdio: 'inherit' });
}
