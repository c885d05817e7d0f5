/**
 * Loads h5wasm (ESM only, so always through a dynamic import, pinned to 0.10.3 because the raw
 * `get_dataset_data`/`set_dataset_data` calls are its low-level API) and manages one reusable buffer in its wasm
 * heap, which is capped at 2 GiB. Node only.
 */
import type * as H5 from 'h5wasm/node';
import { FileFormatError } from '../../errors.js';

/** The h5wasm module namespace and its initialised wasm module. */
export interface H5Runtime {
  h5: typeof H5;
  module: typeof H5.Module;
  /** Set once the wasm instance aborted (HDF5 hit an assertion on a corrupt file); it must not be used again. */
  aborted: boolean;
}

let loading: Promise<H5Runtime> | undefined;

/**
 * Imports h5wasm (ESM-only). Bundlers rewrite a literal `import()` into `require()` in CommonJS output, which
 * h5wasm refuses (ERR_PACKAGE_PATH_NOT_EXPORTED); there the import is retried through a Function the bundler
 * cannot see. (The literal form comes first because vm-based runners such as vitest lack the Function route.)
 */
async function importH5wasm(): Promise<typeof H5> {
  try {
    return await import('h5wasm/node');
  } catch (literalImportError) {
    const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
    try {
      return (await importEsm('h5wasm/node')) as typeof H5;
    } catch {
      throw literalImportError;
    }
  }
}

/** Imports and initialises h5wasm once per process. */
export function loadH5wasm(): Promise<H5Runtime> {
  loading ??= (async () => {
    const h5 = await importH5wasm();
    const module = await h5.ready;
    return { h5, module, aborted: false };
  })();
  return loading;
}

/**
 * Runs h5wasm work for `file`, turning any failure into a FileFormatError that names the file and `what` was
 * being done. When the wasm instance aborts (HDF5 asserts on some corrupt files) it is marked unusable: every
 * later HDF5 operation in this process reports that (typed) instead of crashing. The library does not
 * re-instantiate h5wasm (its module owns the one instance; a fresh one needs a new module URL, which the CommonJS
 * build cannot form), so the process must be restarted to read HDF5 again.
 */
export function guardH5<T>(runtime: H5Runtime, file: string, what: string, work: () => T): T {
  if (runtime.aborted) {
    throw new FileFormatError(
      `${what}: the HDF5 runtime was aborted by a corrupt HDF5 file earlier; restart the process to read HDF5 again`,
      { file },
    );
  }
  try {
    return work();
  } catch (cause) {
    if (cause instanceof FileFormatError) throw cause;
    if (cause instanceof WebAssembly.RuntimeError) runtime.aborted = true;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new FileFormatError(`${what} failed (corrupt or unsupported HDF5?): ${message}`, { file, cause });
  }
}

/** A buffer in the h5wasm heap, grown on demand and reused across reads. */
export class HeapBuffer {
  private ptr = 0;
  private capacity = 0;

  constructor(private readonly runtime: H5Runtime) {}

  /** Address of a heap area of at least `bytes` bytes. @throws FileFormatError naming `file` if the heap is full. */
  reserve(bytes: number, file: string): number {
    if (bytes <= this.capacity) return this.ptr;
    const { module } = this.runtime;
    if (this.ptr) module._free(this.ptr);
    this.ptr = module._malloc(bytes);
    this.capacity = this.ptr ? bytes : 0;
    if (!this.ptr) throw new FileFormatError(`cannot allocate ${bytes} bytes in the h5wasm heap (2 GiB cap)`, { file });
    return this.ptr;
  }

  /** A view of the first `bytes` bytes (take it again after any heap growth). */
  view(bytes: number): Uint8Array {
    return this.runtime.module.HEAPU8.subarray(this.ptr, this.ptr + bytes);
  }

  /** Frees the heap area. */
  free(): void {
    if (this.ptr) this.runtime.module._free(this.ptr);
    this.ptr = 0;
    this.capacity = 0;
  }
}

/** The part of emscripten's FS that {@link takeWriteFailure} watches. */
interface EmscriptenFs {
  write: (stream: { path?: string }, ...rest: unknown[]) => number;
}

/** errno codes of writes that failed under the HDF5 library, by file path (HDF5 does not always report them). */
const writeFailures = new Map<string, string>();
let watching = false;

/**
 * The first write failure (`'EIO'`, `'ENOSPC'`, …) of `path` since the last call, or undefined. HDF5 swallows
 * some failed writes of its cache flush (`H5Fclose` returns success after an ENOSPC), so a store would be
 * published with chunks missing; emscripten's FS.write is wrapped once to record them (test/faults/ injects
 * EIO and ENOSPC into every write of the HDF5 writer and checks that none goes unnoticed).
 */
export function takeWriteFailure(runtime: H5Runtime, path: string): string | undefined {
  const fs = (runtime.module as unknown as { FS?: EmscriptenFs }).FS;
  if (!watching && fs) {
    watching = true;
    const write = fs.write;
    fs.write = (stream, ...rest) => {
      try {
        return write.call(fs, stream, ...rest);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (stream.path !== undefined && !writeFailures.has(stream.path)) {
          writeFailures.set(stream.path, typeof code === 'string' ? code : 'EIO');
        }
        throw error;
      }
    };
  }
  const failure = writeFailures.get(path);
  writeFailures.delete(path);
  return failure;
}
