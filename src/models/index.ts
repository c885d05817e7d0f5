/** Model builders for the seed's heads, the architecture registry, compile defaults and parameter counting. */
export * from './types.js';
export * from './binary.js';
export * from './span.js';
export * from './registry.js';
export * from './heads.js';
export * from './compile.js';
export * from './count.js';
export { architectureOf, METADATA_KEY } from './common.js';
