/**
 * Finds where the examples of uncompressed HDF5 datasets lie in the file, so that they can be read like a
 * safetensors file (positional or memory-mapped reads, no copy through h5wasm's heap). Reads only the
 * structures h5py writes by default (`libver='earliest'`): superblock v0/v1, version-1 object headers, a root
 * group held in a symbol table, and data layout messages of version 3, either contiguous or chunked with a
 * version-1 B-tree whose chunks each hold whole examples (chunk shape `[k, …rest of the dataset shape]`).
 *
 * Anything else (newer object headers, filters such as gzip, external storage, missing chunks, chunks that split
 * an example) returns no layout, and the store keeps reading through h5wasm. Every address is checked against the
 * file size; a structure that does not parse is treated the same way (h5wasm, which already opened the file, stays
 * the authority on whether it is corrupt). Node only.
 */
import type { PositionalFile } from '../../platform/positional-file.js';

/** Byte offsets of a dataset's examples: `starts[j]` is the first example of run j, stored at `offsets[j]`. */
export interface DirectLayout {
  /** First example of each run of consecutive examples stored back to back, ascending, starting at 0. */
  starts: number[];
  /** File offset of each run's first example. */
  offsets: number[];
}

/** Thrown inside the parser for any structure it does not handle; caught by {@link locateDatasets}. */
class Unsupported extends Error {}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const MESSAGE_LAYOUT = 0x08;
const MESSAGE_FILTERS = 0x0b;
const MESSAGE_EXTERNAL = 0x07;
const MESSAGE_CONTINUATION = 0x10;
const MESSAGE_SYMBOL_TABLE = 0x11;
/** Most B-tree nodes / object header messages visited before giving up (a cycle or a hostile file). */
const VISIT_LIMIT = 100_000;

/** Little-endian field reader over bytes read from the file. */
class Fields {
  constructor(
    readonly bytes: Uint8Array,
    private readonly offsetSize: number,
    private readonly lengthSize: number,
    public at = 0,
  ) {}

  private uint(size: number): number {
    if (this.at + size > this.bytes.length) throw new Unsupported('structure runs past what was read');
    let value = 0;
    for (let i = size - 1; i >= 0; i--) value = value * 256 + this.bytes[this.at + i]!;
    this.at += size;
    if (!Number.isSafeInteger(value)) throw new Unsupported('address beyond 2^53');
    return value;
  }
  u8 = (): number => this.uint(1);
  u16 = (): number => this.uint(2);
  u32 = (): number => this.uint(4);
  u64 = (): number => this.uint(8);
  address = (): number => this.uint(this.offsetSize);
  length = (): number => this.uint(this.lengthSize);
  skip(n: number): void {
    this.at += n;
  }
  tag(text: string): boolean {
    return [...text].every((c, i) => this.bytes[this.at + i] === c.charCodeAt(0));
  }
}

/** The parser state: the file, its field sizes and a budget of nodes to visit. */
class Hdf5Reader {
  private visits = 0;
  offsetSize = 8;
  lengthSize = 8;
  base = 0;

  constructor(private readonly file: PositionalFile) {}

  async fields(address: number, length: number): Promise<Fields> {
    if (++this.visits > VISIT_LIMIT) throw new Unsupported('too many structures');
    const at = this.base + address;
    if (!(at >= 0 && at < this.file.size)) throw new Unsupported(`address ${address} outside the file`);
    return new Fields(await this.file.readUpTo(at, length), this.offsetSize, this.lengthSize);
  }

  /** Superblock v0/v1 → the root group's B-tree and local heap addresses (from the symbol table entry). */
  async rootGroup(): Promise<{ btree: number; heap: number } | { header: number }> {
    let sb: Fields | undefined;
    for (let at = 0; at < this.file.size && at <= 1 << 20; at = at === 0 ? 512 : at * 2) {
      const f = await this.fields(at, 256);
      if (SIGNATURE.every((b, i) => f.bytes[i] === b)) {
        sb = f;
        break;
      }
    }
    if (!sb) throw new Unsupported('no superblock');
    sb.skip(8);
    const version = sb.u8();
    if (version > 1) throw new Unsupported(`superblock version ${version}`);
    sb.skip(4); // free-space, root group symbol table, reserved, shared header versions
    this.offsetSize = sb.u8();
    this.lengthSize = sb.u8();
    if (![4, 8].includes(this.offsetSize) || ![4, 8].includes(this.lengthSize)) throw new Unsupported('field sizes');
    sb.skip(1 + 2 + 2 + 4 + (version === 1 ? 4 : 0)); // reserved, group K values, flags, [indexed storage K]
    const f = new Fields(sb.bytes, this.offsetSize, this.lengthSize, sb.at);
    this.base = f.address();
    f.skip(this.offsetSize * 3); // free space, end of file, driver information
    f.skip(this.offsetSize); // link name offset
    const header = f.address();
    const cacheType = f.u32();
    f.skip(4);
    if (cacheType === 1) return { btree: f.address(), heap: f.address() };
    return { header };
  }

  /** The messages of a version-1 object header, following continuation blocks. */
  async messages(address: number): Promise<{ type: number; body: Fields }[]> {
    const head = await this.fields(address, 16);
    if (head.u8() !== 1) throw new Unsupported('object header is not version 1');
    head.skip(1);
    let remaining = head.u16();
    head.skip(4);
    const blocks: { at: number; size: number }[] = [{ at: address + 16, size: head.u32() }];
    const out: { type: number; body: Fields }[] = [];
    while (blocks.length > 0 && remaining > 0) {
      const block = blocks.shift()!;
      const f = await this.fields(block.at, block.size);
      while (f.at + 8 <= block.size && remaining > 0) {
        const type = f.u16();
        const size = f.u16();
        f.skip(4);
        if (f.at + size > f.bytes.length) throw new Unsupported('message past its block');
        const body = new Fields(f.bytes.subarray(f.at, f.at + size), this.offsetSize, this.lengthSize);
        f.skip(size);
        remaining--;
        if (type === MESSAGE_CONTINUATION) blocks.push({ at: body.address(), size: body.length() });
        else out.push({ type, body });
      }
    }
    return out;
  }

  /** Name → object header address of every entry of a symbol-table group. */
  async groupEntries(btree: number, heap: number): Promise<Map<string, number>> {
    const heapHeader = await this.fields(heap, 8 + 2 * this.lengthSize + this.offsetSize);
    if (!heapHeader.tag('HEAP')) throw new Unsupported('no local heap');
    heapHeader.skip(8);
    const heapSize = heapHeader.length();
    heapHeader.length();
    const names = await this.fields(heapHeader.address(), heapSize);
    const entries = new Map<string, number>();
    const entrySize = 2 * this.offsetSize + 24;
    const visit = async (node: number): Promise<void> => {
      const head = await this.fields(node, 8 + 2 * this.offsetSize);
      if (head.tag('SNOD')) {
        head.skip(6);
        const f = await this.fields(node, 8 + head.u16() * entrySize);
        f.at = 6;
        const count = f.u16();
        for (let i = 0; i < count; i++) {
          const nameAt = f.address();
          const header = f.address();
          f.skip(24); // cache type, reserved, scratch pad
          const end = names.bytes.indexOf(0, nameAt);
          if (end < 0) throw new Unsupported('unterminated name');
          entries.set(new TextDecoder().decode(names.bytes.subarray(nameAt, end)), header);
        }
        return;
      }
      if (!head.tag('TREE')) throw new Unsupported('not a B-tree node');
      head.skip(4);
      if (head.u8() !== 0) throw new Unsupported('not a group B-tree');
      head.skip(1);
      const used = head.u16();
      const f = await this.fields(
        node,
        8 + 2 * this.offsetSize + used * (this.lengthSize + this.offsetSize) + this.lengthSize,
      );
      f.at = 8 + 2 * this.offsetSize;
      for (let i = 0; i < used; i++) {
        f.length(); // key: heap offset of the greatest name below
        await visit(f.address());
      }
    };
    await visit(btree);
    return entries;
  }

  /** The dataset's example runs, or undefined when its storage is not plain whole-example runs. */
  async datasetLayout(header: number, shape: number[], elementSize: number): Promise<DirectLayout | undefined> {
    const messages = await this.messages(header);
    if (messages.some((m) => m.type === MESSAGE_FILTERS || m.type === MESSAGE_EXTERNAL)) return undefined;
    const layout = messages.find((m) => m.type === MESSAGE_LAYOUT)?.body;
    if (!layout || layout.u8() !== 3) return undefined;
    const exampleBytes = shape.slice(1).reduce((a, b) => a * b, 1) * elementSize;
    const layoutClass = layout.u8();
    if (layoutClass === 1) {
      const address = layout.address();
      const size = layout.length();
      if (size < shape[0]! * exampleBytes) return undefined;
      return this.checked({ starts: [0], offsets: [this.base + address] }, shape[0]!, exampleBytes, [shape[0]!]);
    }
    if (layoutClass !== 2) return undefined;
    const rank = layout.u8() - 1;
    const btree = layout.address();
    const chunk = Array.from({ length: rank }, () => layout.u32());
    if (rank !== shape.length || layout.u32() !== elementSize || chunk.slice(1).join() !== shape.slice(1).join())
      return undefined;
    const runs = new Map<number, number>();
    await this.chunks(btree, rank, runs);
    const starts = [...runs.keys()].sort((a, b) => a - b);
    return this.checked(
      { starts, offsets: starts.map((s) => this.base + runs.get(s)!) },
      shape[0]!,
      exampleBytes,
      starts.map(() => chunk[0]!),
    );
  }

  /** Collects chunk first-example → address from a chunk B-tree (node type 1). */
  private async chunks(node: number, rank: number, out: Map<number, number>): Promise<void> {
    const keyBytes = 8 + 8 * (rank + 1);
    const head = await this.fields(node, 8 + 2 * this.offsetSize);
    if (!head.tag('TREE')) throw new Unsupported('not a B-tree node');
    head.skip(4);
    if (head.u8() !== 1) throw new Unsupported('not a chunk B-tree');
    const level = head.u8();
    const used = head.u16();
    const f = await this.fields(node, 8 + 2 * this.offsetSize + used * (keyBytes + this.offsetSize) + keyBytes);
    f.at = 8 + 2 * this.offsetSize;
    for (let i = 0; i < used; i++) {
      f.skip(8); // chunk size, filter mask
      const first = f.u64();
      f.skip(8 * rank); // other axes start at 0 (chunks span them whole); element offset
      const child = f.address();
      if (level > 0) await this.chunks(child, rank, out);
      else out.set(first, child);
    }
  }

  /** Checks runs cover [0, n) in order, each inside the file; undefined otherwise. */
  private checked(layout: DirectLayout, n: number, exampleBytes: number, lengths: number[]): DirectLayout | undefined {
    let next = 0;
    for (let j = 0; j < layout.starts.length; j++) {
      if (layout.starts[j] !== next) return undefined; // a missing chunk (fill value) or overlap
      const examples = Math.min(lengths[j]!, n - next);
      if (layout.offsets[j]! + examples * exampleBytes > this.file.size) return undefined;
      next += lengths[j]!;
    }
    return next >= n ? coalesced(layout, exampleBytes) : undefined;
  }
}

/** Merges runs that lie back to back in the file (chunks written in order), so one read covers them. */
function coalesced(layout: DirectLayout, exampleBytes: number): DirectLayout {
  const starts = [layout.starts[0]!];
  const offsets = [layout.offsets[0]!];
  for (let j = 1; j < layout.starts.length; j++) {
    const last = starts.length - 1;
    const end = offsets[last]! + (layout.starts[j]! - starts[last]!) * exampleBytes;
    if (layout.offsets[j] === end) continue;
    starts.push(layout.starts[j]!);
    offsets.push(layout.offsets[j]!);
  }
  return { starts, offsets };
}

/** The root group's symbol-table entries (name → object header address); undefined for a layout not handled. */
async function rootEntries(reader: Hdf5Reader): Promise<Map<string, number> | undefined> {
  const root = await reader.rootGroup();
  let group: { btree: number; heap: number };
  if ('btree' in root) group = root;
  else {
    const table = (await reader.messages(root.header)).find((m) => m.type === MESSAGE_SYMBOL_TABLE)?.body;
    if (!table) return undefined;
    group = { btree: table.address(), heap: table.address() };
  }
  return reader.groupEntries(group.btree, group.heap);
}

/**
 * The names the root group's symbol table lists, read from the file itself (not through h5wasm, whose `keys()`
 * silently leaves out a name whose object address is corrupt). Undefined when this reader does not handle the file's
 * layout (newer superblocks, link messages): then only h5wasm's listing is known.
 */
export async function rootGroupNames(file: PositionalFile): Promise<string[] | undefined> {
  try {
    const entries = await rootEntries(new Hdf5Reader(file));
    return entries ? [...entries.keys()] : undefined;
  } catch (error) {
    if (error instanceof Unsupported || error instanceof RangeError) return undefined;
    throw error;
  }
}

/**
 * Direct layouts of the root datasets `wanted` (name → shape and element size) of an HDF5 file. Datasets whose
 * storage this reader does not handle are absent from the result (read them through h5wasm).
 */
export async function locateDatasets(
  file: PositionalFile,
  wanted: ReadonlyMap<string, { shape: number[]; elementSize: number }>,
): Promise<Map<string, DirectLayout>> {
  const found = new Map<string, DirectLayout>();
  try {
    const reader = new Hdf5Reader(file);
    const entries = await rootEntries(reader);
    if (!entries) return found;
    for (const [name, info] of wanted) {
      const header = entries.get(name);
      if (header === undefined || info.shape[0] === 0) continue;
      const layout = await reader.datasetLayout(header, info.shape, info.elementSize);
      if (layout) found.set(name, layout);
    }
  } catch (error) {
    if (!(error instanceof Unsupported) && !(error instanceof RangeError)) throw error;
  }
  return found;
}
