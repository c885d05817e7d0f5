import { defineConfig } from 'tsup';

/**
 * Two entry points: `index` is safe for browsers and bundlers (no `node:` imports);
 * `index.node` adds the file-system parts (stores, model save/load, native backends).
 * `cli/main` is the `bertvision` command.
 */
export default defineConfig({
  entry: { index: 'src/index.ts', 'index.node': 'src/index.node.ts', 'cli/main': 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', 'index.node': 'src/index.node.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // CommonJS has no import.meta: code that needs its own location (src/platform/native.ts) uses __filename there
  esbuildOptions(options, context) {
    if (context.format === 'cjs') options.define = { ...options.define, 'import.meta.url': 'undefined' };
  },
  splitting: true,
  // d3 modules are ESM-only: bundle them so the CommonJS build works on every Node 20.
  noExternal: ['d3-scale', 'd3-shape', /^d3-/, 'internmap'],
  external: [
    '@tensorflow/tfjs',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node-gpu',
    '@tensorflow/tfjs-backend-wasm',
    'h5wasm',
    'h5wasm/node',
  ],
});
