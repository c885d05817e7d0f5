/**
 * What Linux reports about this process's memory (/proc/self/maps and smaps): the outside reference of the heap-page
 * tests (test/native/heap-huge-pages.test.ts, heap-prefault.test.ts).
 */
import { readFileSync } from 'node:fs';

/** The lines of the /proc/self/smaps entry of the mapping that contains `address`. */
function smapsEntryAt(address: bigint): string[] {
  const lines = readFileSync('/proc/self/smaps', 'utf8').split('\n');
  let inside = false;
  const entry: string[] = [];
  for (const line of lines) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (range) {
      if (inside) break;
      inside = BigInt(`0x${range[1]}`) <= address && address < BigInt(`0x${range[2]}`);
      continue;
    }
    if (inside) entry.push(line);
  }
  if (!inside) throw new Error(`no mapping contains 0x${address.toString(16)}`);
  return entry;
}

/** The VmFlags of the /proc/self/smaps mapping that contains `address`. */
export function vmFlagsAt(address: bigint): string[] {
  const line = smapsEntryAt(address).find((l) => l.startsWith('VmFlags:')) ?? 'VmFlags:';
  return line.slice('VmFlags:'.length).trim().split(/\s+/);
}

/** The resident bytes (smaps `Rss`) of the mapping that contains `address`. */
export function residentBytesAt(address: bigint): number {
  const line = smapsEntryAt(address).find((l) => l.startsWith('Rss:'));
  if (line === undefined) throw new Error('smaps lists no Rss');
  return Number(/(\d+) kB/.exec(line)![1]) * 1024;
}

/** The address ranges (`start-end`, hex) of this process's mappings. */
export function mappingsOf(): Set<string> {
  return new Set(
    readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[0] ?? ''),
  );
}

/**
 * A fresh WebAssembly.Memory and the address of its first byte: the new read-write mapping of exactly its committed
 * size that is directly followed by the rest of its reservation (a new inaccessible mapping). Its first byte is
 * written (so that V8 commits it); the other pages are untouched.
 */
export function freshMemory(initialPages: number): { memory: WebAssembly.Memory; start: bigint } {
  const before = mappingsOf();
  const memory = new WebAssembly.Memory({ initial: initialPages, maximum: 65536 });
  new Uint8Array(memory.buffer)[0] = 1;
  const added = [...mappingsOf()]
    .filter((range) => range !== '' && !before.has(range))
    .map((range) => range.split('-').map((hex) => BigInt(`0x${hex}`)) as [bigint, bigint]);
  const committed = BigInt(initialPages * 64 * 1024);
  const first = added.find(([start, end]) => end - start === committed && added.some(([next]) => next === end));
  if (first === undefined) throw new Error('found no mapping for the new memory in /proc/self/maps');
  return { memory, start: first[0] };
}
