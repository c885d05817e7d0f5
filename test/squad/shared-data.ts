/** Test helper: locate the real SQuAD reference files in `data/squad/` of the repository. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of `data/squad/` (resolved from this file, not the working directory). */
export const SQUAD_DIR = fileURLToPath(new URL('../../data/squad/', import.meta.url));

/** Absolute path of a file under `data/squad/`; throws a clear message if the shared data is absent. */
export function squadPath(relative: string): string {
  const path = `${SQUAD_DIR}${relative}`;
  if (!existsSync(path)) {
    throw new Error(
      `SQuAD reference file missing: ${path}. It ships in the repository under data/squad/ (see data/README.md).`,
    );
  }
  return path;
}

/** Parsed JSON of a file under `data/squad/`. */
export function readSquadJson(relative: string): unknown {
  return JSON.parse(readFileSync(squadPath(relative), 'utf8'));
}
