/**
 * Transparent huge pages for the wasm heap (native/src/heap_pages.cc, src/backend/wasm-huge-pages.ts). The kernel is
 * the outside reference: after the advice, /proc/self/smaps lists `hg` (VM_HUGEPAGE) among the VmFlags of the heap's
 * mapping, and without it does not. BERTVISION_HUGE_PAGES takes the usual on/off spellings.
 */
import { readFileSync } from 'node:fs';
import { platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import { HUGE_PAGES_ENV_VAR, adviseWasmHeapHugePages } from '../../src/backend/wasm-huge-pages.js';
import { initBackend } from '../../src/index.node.js';
import { nativeAddon, nativeKernelStatus } from '../../src/platform/native.js';
import { hugePagesAllowed } from '../../src/platform/native-env.js';
import { freshMemory, vmFlagsAt } from '../helpers/proc-maps.js';

const MiB = 2 ** 20;

/** Whether the kernel lets a process ask for huge pages at all (policy not `[never]`). */
function hugePagesOffered(): boolean {
  try {
    return !readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').includes('[never]');
  } catch {
    return false;
  }
}

describe('BERTVISION_HUGE_PAGES', () => {
  it.each(['0', 'false', 'OFF', ' no '])('%j turns the advice off', (value) => {
    expect(hugePagesAllowed(value, () => expect.unreachable())).toBe(false);
  });
  it.each([undefined, '', '1', 'true', 'On', 'yes'])('%j leaves it on', (value) => {
    expect(hugePagesAllowed(value, () => expect.unreachable())).toBe(true);
  });
  it('warns about anything else and keeps it on', () => {
    const warnings: string[] = [];
    expect(hugePagesAllowed('sometimes', (_, m) => warnings.push(m))).toBe(true);
    expect(warnings).toEqual([
      'bertvision: BERTVISION_HUGE_PAGES="sometimes" is not one of 0/false/off/no or 1/true/on/yes; huge pages stay on',
    ]);
  });
});

describe.skipIf(!nativeKernelStatus().loaded || platform() !== 'linux' || !hugePagesOffered())(
  'adviseHugePages on a WebAssembly.Memory',
  () => {
    const advise = (memory: ArrayBuffer, limit: number) => {
      const fn = nativeAddon()?.adviseHugePages;
      if (!fn) throw new Error('the loaded addon has no adviseHugePages');
      return fn(memory, limit);
    };

    it('marks the heap mapping VM_HUGEPAGE (smaps "hg"), only up to the limit asked for', () => {
      const { memory, start } = freshMemory(16); // 1 MiB committed of a 4 GiB reservation
      expect(vmFlagsAt(start)).not.toContain('hg');
      const advised = advise(memory.buffer, 64 * MiB);
      expect(advised).toBe(64 * MiB);
      expect(vmFlagsAt(start)).toContain('hg');
      // past the limit the reservation is left as it was
      expect(vmFlagsAt(start + BigInt(64 * MiB))).not.toContain('hg');
    });

    it('covers the whole reservation when the limit allows, so growth in place stays advised', () => {
      const { memory, start } = freshMemory(16);
      const advised = advise(memory.buffer, 2 ** 32);
      expect(advised).toBeGreaterThanOrEqual(1 * MiB);
      expect(advised).toBeLessThanOrEqual(2 ** 32 + 64 * 1024 * MiB); // the reservation, guard regions included
      memory.grow(1024); // +64 MiB, committed inside the same reservation
      const grownPage = start + BigInt(32 * MiB);
      new Uint8Array(memory.buffer)[32 * MiB] = 1;
      expect(vmFlagsAt(grownPage)).toContain('hg');
    });

    it('advises nothing for a limit of 0 or a buffer not at a mapping start', () => {
      const { memory } = freshMemory(16);
      expect(advise(memory.buffer, 0)).toBe(0);
      expect(advise(new ArrayBuffer(16), 64 * MiB)).toBe(0); // V8 heap allocations are not a mapping's first byte
    });

    it("advises tfjs-backend-wasm's live heap once the wasm backend is up, and nothing when turned off", async () => {
      await initBackend({ backend: 'wasm' });
      expect(adviseWasmHeapHugePages()).toBeGreaterThanOrEqual(16 * MiB);
      const before = process.env[HUGE_PAGES_ENV_VAR];
      process.env[HUGE_PAGES_ENV_VAR] = 'off';
      try {
        expect(adviseWasmHeapHugePages()).toBe(0);
      } finally {
        if (before === undefined) delete process.env[HUGE_PAGES_ENV_VAR];
        else process.env[HUGE_PAGES_ENV_VAR] = before;
      }
      expect(adviseWasmHeapHugePages('no-such-backend')).toBe(0);
    });

    it('refuses bad arguments with a TypeError-like message, not a crash', () => {
      const fn = nativeAddon()?.adviseHugePages as unknown as (...args: unknown[]) => number;
      expect(() => fn('not a buffer', 10)).toThrow(/adviseHugePages: expected an ArrayBuffer/);
      expect(() => fn(new WebAssembly.Memory({ initial: 1 }).buffer, -1)).toThrow(/non-negative/);
    });
  },
);
