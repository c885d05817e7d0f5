/** Node part of the activation-store API: opening stores from disk. */
export { openStore } from './open-store.js';
export { createStoreWriter } from './store-writer.js';
export type { StoreFormat, StoreWriter, StoreWriterOptions, WritableArray } from './store-writer.js';
