/**
 * A library must not take over its host's error handling: tfjs-backend-wasm's Emscripten glue adds process-wide
 * `uncaughtException`/`unhandledRejection` listeners that exit with code 7 (emscripten-core/emscripten#11768,
 * tensorflow/tfjs#5851). After `initBackend()` a user's own handler must run, in a real Node process.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withoutNewProcessListeners } from '../../src/platform/host-listeners.js';

const entry = pathToFileURL(join(fileURLToPath(new URL('../..', import.meta.url)), 'dist', 'index.node.js')).href;

function runScript(body: string) {
  const script = `import { initBackend } from ${JSON.stringify(entry)};\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, BERTVISION_BACKEND: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('host error handling after initBackend (built package, default wasm backend)', () => {
  it("leaves no listener of the backend's and runs the user's uncaughtException handler", () => {
    const r = runScript(`
      const choice = await initBackend();
      console.log(choice.backend, process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection'));
      process.on('uncaughtException', (e) => { console.log('user handler: ' + e.message); process.exit(0); });
      setTimeout(() => { throw new Error('boom'); });`);
    expect(r.out).toBe('wasm 0 0\nuser handler: boom\n');
    expect(r.code).toBe(0);
  });

  it("runs the user's unhandledRejection handler registered before initBackend, and keeps it", () => {
    const r = runScript(`
      process.on('unhandledRejection', (e) => { console.log('user rejection: ' + e.message); process.exit(0); });
      await initBackend();
      console.log(process.listenerCount('unhandledRejection'));
      Promise.reject(new Error('late'));`);
    expect(r.out).toBe('1\nuser rejection: late\n');
    expect(r.code).toBe(0);
  });
});

describe('withoutNewProcessListeners', () => {
  it('removes exactly the listeners added while the action ran, also when it throws', async () => {
    const mine = () => {};
    const added = () => {};
    process.on('uncaughtException', mine);
    try {
      await expect(
        withoutNewProcessListeners(async () => {
          process.on('uncaughtException', added);
          throw new Error('inner');
        }),
      ).rejects.toThrow('inner');
      expect(process.listeners('uncaughtException')).toContain(mine);
      expect(process.listeners('uncaughtException')).not.toContain(added);
    } finally {
      process.removeListener('uncaughtException', mine);
    }
  });
});
