/** Access to the Python-written fixtures of test/fixtures/io (see tools/fixtures/make_fixtures.py). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenStoreOptions, StoreArray, StoreContainer, StoreDtype, StoreMetadata } from '../../src/index.node.js';

/** Folder of the committed fixtures. */
export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'io');

/** One tensor's expectation: dtype, delivered shape, and the file of expected little-endian bytes. */
export interface ExpectedTensor {
  dtype: StoreDtype;
  shape: number[];
  expected: string;
}

/** One fixture store. */
export interface FixtureStore {
  path: string;
  container: StoreContainer;
  tensors: Record<string, ExpectedTensor>;
  metadata: boolean;
  metadata_dtype?: string;
  options?: OpenStoreOptions;
}

/** The manifest written by make_fixtures.py. */
export const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as {
  metadata: StoreMetadata;
  stores: FixtureStore[];
};

/** The expected bytes of a tensor. */
export function expectedBytes(t: ExpectedTensor): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, t.expected)));
}

/** The bytes of a typed array (to compare bit for bit, NaN payloads included). */
export function bytesOf(a: StoreArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
