/**
 * The floors of `src/`: data flows one way, `cli → jobs → eval / train → data → store → platform → native`, with
 * `layers`, `models`, `squad`, `ensemble` and `report` beside them on floors of their own (docs/source-layout.md).
 * A file may import only from its own top folder or from a lower floor, and no files may import each other in a
 * circle. Type-only imports (`import type …`, `export type …`) are ignored: they leave no
 * trace at run time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

/** Floor of each top-level folder (and root file) of `src/`: higher floors may import lower ones, never upwards. */
const FLOORS: Record<string, number> = {
  'errors.ts': 0,
  platform: 1,
  layers: 2,
  backend: 3,
  store: 4,
  data: 5,
  models: 6,
  squad: 7,
  text: 7.5, // tokenizer, windows, ONNX encoder, QA pipeline: above squad (normalize, decode) and store, below ensemble
  ensemble: 8,
  report: 9,
  train: 10,
  eval: 11,
  interop: 11.5, // Keras / PyTorch files in and out: above models, store and train, below jobs and cli
  jobs: 12,
  cli: 13,
  'index.ts': 14,
  'index.node.ts': 15,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC).map((f) => relative(SRC, f).split('\\').join('/'));
const fileSet = new Set(files);
const SPEC =
  /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|import\s+['"](\.[^'"]+)['"]/g;

function resolveImport(from: string, spec: string): string | null {
  const path = normalize(join(dirname(from), spec))
    .split('\\')
    .join('/');
  const candidates = [path, path.replace(/\.js$/, '.ts'), `${path}.ts`, `${path}/index.ts`];
  return candidates.find((c) => fileSet.has(c)) ?? null;
}

/** file → the files it imports at run time. */
const edges = new Map<string, Set<string>>(
  files.map((file) => {
    const text = readFileSync(join(SRC, file), 'utf8').replace(/(?:import|export)\s+type\s[^;]*;/g, '');
    const targets = new Set<string>();
    for (const m of text.matchAll(SPEC)) {
      const target = resolveImport(file, (m[1] ?? m[2] ?? m[3])!);
      if (target && target !== file) targets.add(target);
    }
    return [file, targets];
  }),
);

const top = (file: string): string => file.split('/')[0]!;
const folderOf = (file: string): string => (file.includes('/') ? dirname(file) : file);

/** Strongly connected components with more than one node (Tarjan). */
function circles(nodes: Iterable<string>, next: (node: string) => Iterable<string>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of [...nodes].sort()) if (!index.has(v)) visit(v);
  return out;
}

describe('layering of src/', () => {
  it('gives every top-level folder and root file a floor', () => {
    expect([...new Set(files.map(top))].filter((t) => !(t in FLOORS))).toEqual([]);
  });

  it('has no import from a floor above', () => {
    const upward: string[] = [];
    for (const [file, targets] of edges) {
      for (const target of targets) {
        if (top(file) !== top(target) && FLOORS[top(target)]! > FLOORS[top(file)]!) {
          upward.push(`${file} (floor ${FLOORS[top(file)]}) imports ${target} (floor ${FLOORS[top(target)]})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no circle of files', () => {
    expect(circles(files, (f) => edges.get(f) ?? [])).toEqual([]);
  });

  it('has no cycle between folders (a folder and its subfolders count as one)', () => {
    const folderEdges = new Map<string, Set<string>>();
    for (const [file, targets] of edges) {
      for (const target of targets) {
        const [a, b] = [folderOf(file), folderOf(target)];
        if (a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`)) continue;
        folderEdges.set(a, (folderEdges.get(a) ?? new Set()).add(b));
      }
    }
    expect(circles(new Set(files.map(folderOf)), (f) => folderEdges.get(f) ?? [])).toEqual([]);
  });

  it('keeps platform/ free of every other folder of ours (errors.ts aside)', () => {
    const reaches = [...edges]
      .filter(([file]) => top(file) === 'platform')
      .flatMap(([file, targets]) =>
        [...targets].filter((t) => top(t) !== 'platform' && t !== 'errors.ts').map((t) => `${file} → ${t}`),
      );
    expect(reaches).toEqual([]);
  });
});
