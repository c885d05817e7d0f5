/**
 * The seed's directory of `<8·i>.h5` files (Node only): files named by their first example index, each holding
 * `hidden_state_activations` `[≤8, …]`, seen as one store. Members written in h5py's default layout are read
 * straight from the file (see `hdf5-layout.ts`); others through h5wasm.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type * as H5 from 'h5wasm/node';
import { BertVisionError, FileFormatError } from '../../errors.js';
import { nativeAddon, type NativeAddon } from '../../platform/native.js';
import { dtypeByteSize, type StoreDtype } from '../dtype.js';
import { openDirectDatasets, upperBound, type DirectDataset } from './direct.js';
import { inspectHdf5, MAX_HEAP_READ, nativeFloat16Reader, readFirstExample, readHyperslab } from './store.js';
import { HeapBuffer, loadH5wasm, type H5Runtime } from './h5wasm-runtime.js';
import type { PositionalFile } from '../../platform/positional-file.js';
import { BaseStore, type TensorSource } from '../store-base.js';
import type { ActivationStore, OpenStoreOptions } from '../store.js';

/** How many member files stay open at once. */
const OPEN_FILES = 4;

/** One open member file: h5wasm's handle, and the direct reader when its storage was located. */
interface Member {
  path: string;
  file: H5.File;
  shape: number[];
  direct: DirectDataset | undefined;
  directFile: PositionalFile | undefined;
}

/** The seed's directory as one tensor source. */
class SeedDirectorySource implements TensorSource {
  readonly maxReadBytes = MAX_HEAP_READ;
  readonly readFloat16?: (start: number, count: number, dst: Float32Array) => Promise<void>;
  private readonly open = new Map<number, Member>();
  private readonly perExample: number;

  constructor(
    readonly name: string,
    readonly dtype: StoreDtype,
    readonly shape: number[],
    private readonly starts: number[],
    private readonly dir: string,
    private readonly runtime: H5Runtime,
    private readonly heap: HeapBuffer,
    private readonly useNative: boolean,
  ) {
    this.perExample = shape.slice(1).reduce((a, b) => a * b, 1);
    const addon = useNative ? nativeAddon() : undefined;
    if (addon && dtype === 'float16')
      this.readFloat16 = (start, count, dst) => this.decodeFloat16(addon, start, count, dst);
  }

  /** Opens (or returns the cached) member file `i`, checking its dataset against the names' promise. */
  async member(i: number): Promise<Member> {
    const cached = this.open.get(i);
    if (cached) return cached;
    if (this.open.size >= OPEN_FILES) {
      const [oldest, member] = this.open.entries().next().value as [number, Member];
      this.open.delete(oldest);
      await this.closeMember(member);
    }
    const path = join(this.dir, `${this.starts[i]!}.h5`);
    const { file, datasets } = inspectHdf5(this.runtime, path);
    const ds = datasets.find((d) => d.name === this.name);
    const shape = [this.starts[i + 1]! - this.starts[i]!, ...this.shape.slice(1)];
    if (!ds || ds.dtype !== this.dtype || ds.shape.join() !== shape.join()) {
      file.close();
      throw new FileFormatError(
        `expected '${this.name}' ${this.dtype} [${shape.join(', ')}] (from the file names) but found ` +
          (ds ? `${ds.dtype} [${ds.shape.join(', ')}]` : 'no such dataset'),
        { file: path },
      );
    }
    const firstExample = (): Uint8Array =>
      readFirstExample(this.runtime, this.heap, file, path, this.name, shape, this.dtype);
    const direct = await openDirectDatasets(
      path,
      [{ name: this.name, dtype: this.dtype, shape, firstExample }],
      this.useNative,
    ).catch((error: unknown) => {
      if (!this.runtime.aborted) file.close();
      throw error;
    });
    const member = { path, file, shape, direct: direct.readers.get(this.name), directFile: direct.file };
    this.open.set(i, member);
    return member;
  }

  /** Calls `visit(member, first, done, k)` for each member's part of examples `[start, start + count)`. */
  private async eachMember(
    start: number,
    count: number,
    visit: (m: Member, first: number, done: number, k: number) => Promise<void>,
  ): Promise<void> {
    let i = upperBound(this.starts, start) - 1;
    for (let done = 0; done < count; i++) {
      const first = start + done - this.starts[i]!;
      const k = Math.min(count - done, this.starts[i + 1]! - this.starts[i]! - first);
      await visit(await this.member(i), first, done, k);
      done += k;
    }
  }

  readRaw(start: number, count: number, dst: Uint8Array): Promise<void> {
    const exampleBytes = this.perExample * dtypeByteSize(this.dtype);
    return this.eachMember(start, count, async (m, first, done, k) => {
      const target = dst.subarray(done * exampleBytes, (done + k) * exampleBytes);
      if (m.direct) return m.direct.readRaw(first, k, target);
      readHyperslab(this.runtime, this.heap, m.file, m.path, this.name, m.shape, first, k, target.length, (raw) =>
        target.set(raw),
      );
    });
  }

  private decodeFloat16(addon: NativeAddon, start: number, count: number, dst: Float32Array): Promise<void> {
    return this.eachMember(start, count, async (m, first, done, k) => {
      const target = dst.subarray(done * this.perExample, (done + k) * this.perExample);
      if (m.direct?.decodesFloat16) return m.direct.readFloat16(first, k, target);
      const readPiece = (s: number, n: number, bytes: number, consume: (raw: Uint8Array) => void): void =>
        readHyperslab(this.runtime, this.heap, m.file, m.path, this.name, m.shape, s, n, bytes, consume);
      return nativeFloat16Reader(addon, m.shape, readPiece)(first, k, target);
    });
  }

  private async closeMember(member: Member): Promise<void> {
    if (!this.runtime.aborted) member.file.close();
    await member.directFile?.close();
  }

  async closeAll(): Promise<void> {
    const members = [...this.open.values()];
    this.open.clear();
    for (const member of members) await this.closeMember(member);
    if (!this.runtime.aborted) this.heap.free();
  }
}

/** True when `dir` holds HDF5 files named only by numbers (the seed's `<8·i>.h5` layout). */
export async function isSeedDirectory(dir: string): Promise<boolean> {
  const h5 = (await readdir(dir)).filter((f) => f.endsWith('.h5'));
  return h5.length > 0 && h5.every((f) => /^\d+\.h5$/.test(f));
}

/**
 * Opens the seed's directory of `<8·i>.h5` files as one store. Example counts come from the file names (file
 * `s_k` holds examples `[s_k, s_{k+1})`); the first and last files are opened now, every other one is checked
 * when first read.
 */
export async function openSeedDirectoryStore(dir: string, options: OpenStoreOptions): Promise<ActivationStore> {
  const runtime = await loadH5wasm();
  const starts = (await readdir(dir))
    .filter((f) => /^\d+\.h5$/.test(f))
    .map((f) => Number(f.slice(0, -3)))
    .sort((a, b) => a - b);
  if (starts.length === 0 || starts[0] !== 0)
    throw new FileFormatError('seed directory must start with 0.h5', { file: dir });
  const name = options.activations ?? 'hidden_state_activations';
  const lastPath = join(dir, `${starts[starts.length - 1]!}.h5`);
  const last = inspectHdf5(runtime, lastPath);
  last.file.close();
  const info = last.datasets.find((d) => d.name === name);
  if (!info) throw new FileFormatError(`missing dataset '${name}'`, { file: lastPath });
  starts.push(starts[starts.length - 1]! + info.shape[0]!);
  const shape = [starts[starts.length - 1]!, ...info.shape.slice(1)];
  const source = new SeedDirectorySource(
    name,
    info.dtype,
    shape,
    starts,
    dir,
    runtime,
    new HeapBuffer(runtime),
    options.native ?? true,
  );
  const close = (): Promise<void> => source.closeAll();
  try {
    await source.member(0);
    return new BaseStore({ path: dir, container: 'hdf5-dir', sources: [source], metadata: undefined, options, close });
  } catch (error) {
    await close();
    if (error instanceof BertVisionError) throw error;
    throw new FileFormatError(`cannot open seed directory: ${(error as Error).message}`, { file: dir, cause: error });
  }
}
