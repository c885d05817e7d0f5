/**
 * The contract between `createStoreWriter` (src/store/writer.ts) and the container sinks (`store/<format>/writer.ts`):
 * what the writer plans, what a sink must do with it, and where a sink writes before it publishes. Kept apart from
 * the writer so that the sinks depend on the contract, not on the dispatcher that picks them.
 */
import { tempPathFor } from '../platform/atomic-file.js';
import type { StoreDtype } from './dtype.js';

/** A tensor the writer lays out. */
export interface PlannedTensor {
  name: string;
  dtype: StoreDtype;
  shape: number[];
  /** Bytes per example. */
  exampleBytes: number;
}

/** What a container implementation provides to the writer. */
export interface StoreSink {
  /** Writes the raw bytes of examples `[start, start + count)` of tensor `name`. */
  write(name: string, start: number, count: number, bytes: Uint8Array): Promise<void>;
  /** Makes the data durable and renames the temporary path to the final one. */
  commit(): Promise<void>;
  /** Deletes the temporary path. */
  discard(): Promise<void>;
}

/** A temporary path beside `path` that no reader mistakes for a store (`.<name>.partial-<pid>-<hex>`). */
export function temporaryPathFor(path: string): string {
  return tempPathFor(path, '.partial-');
}
