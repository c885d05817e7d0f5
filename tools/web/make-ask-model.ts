/**
 * `npm run web:model`: the Ask tab's ONNX encoder, exported by tools/onnx/export.py from the reproduction's
 * fine-tuned checkpoint to the git-ignored path the page loads (both paths from examples/web/src/data-config.ts).
 * Extra arguments go to export.py, e.g. `npm run web:model -- --model <HF model dir>` for another checkpoint, `--int8`.
 * Then `npm run web` rebuilds the page with it.
 *
 * Run: npx tsx tools/web/make-ask-model.ts [export.py options]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_DATA } from '../../examples/web/src/data-config.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = ['tools/onnx/export.py', '--model', DEMO_DATA.askCheckpoint, '-o', DEMO_DATA.askModel];
const done = spawnSync(join(root, '.venv/bin/python'), [...args, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, HF_HUB_OFFLINE: '1' },
});
if (done.error) console.error(`cannot run .venv/bin/python (${done.error.message}): set up the Python tools' venv`);
process.exit(done.status ?? 1);
