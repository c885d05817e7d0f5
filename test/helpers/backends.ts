/** Test helper: run a suite on each embedded backend (cpu and wasm), activated through bertvision's own picker. */
import '../../src/backend/node-candidates.js';
import { initBackend, type BackendName } from '../../src/backend/choose.js';

/** The backends every layer and model test runs on. */
export const TEST_BACKENDS: readonly BackendName[] = ['cpu', 'wasm'];

/** Activate `name` (throws if it cannot load). */
export async function useBackend(name: BackendName): Promise<void> {
  await initBackend({ backend: name });
}
