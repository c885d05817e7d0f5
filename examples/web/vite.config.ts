/**
 * Vite config of the demo page: `npm run web` builds it into examples/web/dist and serves it (vite preview, which
 * answers HTTP range requests). The page imports the library from src/ (alias `bertvision`), and exactly the data
 * files listed in src/data-config.ts are copied into the build, under the same relative paths (the optional ones,
 * such as the Ask tab's ONNX encoder, when they exist).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { DEMO_FILES, OPTIONAL_DEMO_FILES } from './src/data-config.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

/** Emits the demo's data files into the build. */
function demoData(): Plugin {
  return {
    name: 'bertvision-demo-data',
    apply: 'build',
    generateBundle() {
      for (const file of [...DEMO_FILES, ...OPTIONAL_DEMO_FILES.filter((f) => existsSync(join(repo, f)))])
        this.emitFile({ type: 'asset', fileName: file, source: readFileSync(join(repo, file)) });
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  resolve: { alias: { bertvision: join(repo, 'src', 'index.ts') } },
  plugins: [demoData()],
  build: { outDir: join(here, 'dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 6000 },
  preview: { host: '127.0.0.1', port: 4173, strictPort: false },
});
