/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial), incremental over chunks. In Node (20.16 and later) it is zlib's native
 * `crc32`, reached through `process.getBuiltinModule` so that browser bundles never see a Node import; elsewhere a
 * table-driven loop in JavaScript (about 0.2 GB/s: a full Xception checkpoint, 250 MB of weights and optimizer state,
 * took 1.3 s to check that way). Both give the same values (test/train/crc32.test.ts).
 */

/** `crc32(bytes, previous)`: the CRC of everything so far, as an unsigned 32-bit integer. */
type Crc32 = (bytes: Uint8Array, crc?: number) => number;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The portable CRC-32 in JavaScript (what {@link crc32} uses where Node's zlib has none). */
export function crc32Portable(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Node's zlib.crc32, or undefined (a browser, or a Node without it). */
function nodeCrc32(): Crc32 | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const zlib = runtime?.getBuiltinModule?.('node:zlib') as { crc32?: Crc32 } | undefined;
  return typeof zlib?.crc32 === 'function' ? zlib.crc32 : undefined;
}

const native = nodeCrc32();

/** Continue a CRC-32 over `bytes`; start with `crc = 0`. Returns the updated CRC as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  return native ? native(bytes, crc) >>> 0 : crc32Portable(bytes, crc);
}
