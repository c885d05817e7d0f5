/** Test helper: locate the real SQuAD reference files in `../shared/data/squad/` beside the repository. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of `shared/data/squad/` (resolved from this file, not the working directory). */
export const SQUAD_DIR = fileURLToPath(new URL('../../../shared/data/squad/', import.meta.url));

/** Absolute path of a file under `shared/data/squad/`; throws a clear message if the shared data is absent. */
export function squadPath(relative: string): string {
  const path = `${SQUAD_DIR}${relative}`;
  if (!existsSync(path)) {
    throw new Error(`SQuAD reference file missing: ${path}. The tests need a copy of shared/ beside the checkout (../shared/data/squad).`);
  }
  return path;
}

/** Parsed JSON of a file under `shared/data/squad/`. */
export function readSquadJson(relative: string): unknown {
  return JSON.parse(readFileSync(squadPath(relative), 'utf8'));
}
