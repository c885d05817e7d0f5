/**
 * `CheckpointDirectory`, the checkpoint store of `trainHead`: what is saved is what is loaded (byte for byte, the
 * expected value being the bytes written), each kind replaces only itself, and a write interrupted before the
 * rename (a `.tmp-` file left by a killed process) is cleaned up by the next save and never read.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointDirectory, FileAccessError } from '../../src/index.node.js';

const work = mkdtempSync(join(tmpdir(), 'bv-ckpt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('CheckpointDirectory', () => {
  it('loads null before the first save, then the bytes saved, per kind', async () => {
    const store = new CheckpointDirectory(join(work, 'run', 'checkpoints'));
    expect(await store.load('last')).toBeNull();
    await store.save('last', [Uint8Array.of(1, 2), Uint8Array.of(3)]);
    await store.save(
      'best',
      (async function* () {
        yield Uint8Array.of(9);
      })(),
    );
    await store.save('last', [Uint8Array.of(4, 5, 6, 7)]);
    expect((await store.load('last'))!.bytes).toEqual(Uint8Array.of(4, 5, 6, 7));
    expect((await store.load('best'))!.bytes).toEqual(Uint8Array.of(9));
    expect((await store.load('last'))!.location).toBe(join(work, 'run', 'checkpoints', 'last.ckpt'));
  });

  it('removes what an interrupted save left behind', async () => {
    const dir = join(work, 'killed');
    const store = new CheckpointDirectory(dir);
    await store.save('last', [Uint8Array.of(1)]);
    writeFileSync(join(dir, '.last.ckpt.tmp-12345-abcdef01'), 'partial');
    expect((await store.load('last'))!.bytes).toEqual(Uint8Array.of(1));
    await store.save('last', [Uint8Array.of(2)]);
    expect(readdirSync(dir).sort()).toEqual(['last.ckpt']);
    expect((await store.load('last'))!.bytes).toEqual(Uint8Array.of(2));
  });

  it('names a checkpoint path that is a directory, in words, with a typed error', async () => {
    const dir = join(work, 'dir-ckpt');
    mkdirSync(join(dir, 'last.ckpt'), { recursive: true });
    const store = new CheckpointDirectory(dir);
    const error = await store.load('last').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileAccessError);
    expect((error as FileAccessError).errno).toBe('EISDIR');
    expect(String(error)).toContain(`${join(dir, 'last.ckpt')}: cannot read the checkpoint: is a directory`);
    await expect(store.save('last', [Uint8Array.of(1)])).rejects.toThrow(FileAccessError);
    expect(readdirSync(dir)).toEqual(['last.ckpt']);
  });
});
