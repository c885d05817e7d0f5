/**
 * Backend choice. bertvision runs on whatever tfjs backend is best where it runs:
 * native TensorFlow (`@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`) when the user installed it,
 * else WebGPU/WebGL in a browser, else the WebAssembly backend (SIMD; threads where the platform allows), else the
 * pure-JS `cpu` backend, which always works.
 *
 * The candidates are registered by the entry point (`index.node.ts` registers the Node ones), so that browser bundles
 * never see an import of a Node-only package.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import { withoutNewProcessListeners } from '../platform/host-listeners.js';
import { installEarlyGradientRelease } from './early-gradient-release.js';

/** The tfjs backend names bertvision knows how to pick. `tensorflow` is tfjs-node / tfjs-node-gpu. */
export type BackendName = 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** Every backend name in order of preference for `'auto'`. */
export const BACKEND_PREFERENCE: readonly BackendName[] = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** Environment variable that forces a backend in Node, e.g. `BERTVISION_BACKEND=cpu`. */
export const BACKEND_ENV_VAR = 'BERTVISION_BACKEND';

/**
 * A way to make one backend available. `load` imports whatever package registers it and resolves to `true` when the
 * backend can be used; it must not throw (a failing native addon is reported as `false` plus a reason).
 */
export interface BackendCandidate {
  name: BackendName;
  /** Human-readable source, e.g. `'@tensorflow/tfjs-node-gpu'`. */
  source: string;
  /** Import what registers the backend; `{ ok: false, reason }` when it cannot be used. Never throws. */
  load: () => Promise<{ ok: true } | { ok: false; reason: string }>;
  /**
   * Tried after the other candidates of the same backend: the browser entry's generic "the page loaded it" offers
   * are fallbacks, so a page's own candidate (one that calls `setWasmPaths` first, say) goes before them. Default false.
   */
  fallback?: boolean;
  /**
   * Run once the backend is initialised and active (tuning that needs the live backend, such as the wasm heap's
   * huge-page advice). Must not throw. Default: nothing.
   */
  activated?: () => void;
}

const candidates: BackendCandidate[] = [];

/**
 * Register a backend candidate. Later registrations with the same name and source replace earlier ones.
 * Entry points call this at import time; users rarely need it.
 */
export function registerBackendCandidate(candidate: BackendCandidate): void {
  const i = candidates.findIndex((c) => c.name === candidate.name && c.source === candidate.source);
  if (i >= 0) candidates[i] = candidate;
  else candidates.push(candidate);
}

/** The registered candidates, in preference order (tensorflow > webgpu > webgl > wasm > cpu; fallbacks last within a backend). */
export function backendCandidates(): BackendCandidate[] {
  const rank = (n: BackendName): number => BACKEND_PREFERENCE.indexOf(n);
  return [...candidates].sort((a, b) => rank(a.name) - rank(b.name) || Number(!!a.fallback) - Number(!!b.fallback));
}

/**
 * Parse a requested backend: `'auto'`, one of {@link BackendName}, or the aliases `'node'`/`'tfjs-node'` for
 * `'tensorflow'`. Case-insensitive; empty or undefined means `'auto'`.
 * @throws InvalidArgumentError for any other string.
 */
export function parseBackendRequest(value: string | undefined): BackendName | 'auto' {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'node' || v === 'tfjs-node' || v === 'tfjs-node-gpu' || v === 'native') return 'tensorflow';
  if ((BACKEND_PREFERENCE as readonly string[]).includes(v)) return v as BackendName;
  throw new InvalidArgumentError(`unknown backend '${value}': expected auto, ${BACKEND_PREFERENCE.join(', ')}`);
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Backend to use. Default: the `BERTVISION_BACKEND` environment variable in Node, else `'auto'` (the first
   * candidate that loads, in the order of {@link BACKEND_PREFERENCE}). A forced backend that cannot load is an error.
   */
  backend?: BackendName | 'auto';
  /** Where to report the choice. Default: no logging. Pass `console.error` to see "bertvision: using backend …". */
  log?: (message: string) => void;
}

/** Result of {@link initBackend}: the backend now active and why the better ones were skipped. */
export interface BackendChoice {
  backend: BackendName;
  source: string;
  skipped: Array<{ name: BackendName; source: string; reason: string }>;
}

function envRequest(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[BACKEND_ENV_VAR];
}

/**
 * tfjs-backend-cpu prints a multi-line "Hi, looks like you are running TensorFlow.js in Node.js" banner on its first
 * tensor write in Node (backend_cpu.ts, `firstUse`). bertvision reports the backend it chose itself, so the banner
 * is switched off once the cpu backend is active. Guarded by test/cli/backend.test.ts.
 */
function silenceCpuBackendBanner(): void {
  const backend = tf.backend() as { firstUse?: boolean };
  if (typeof backend.firstUse === 'boolean') backend.firstUse = false;
}

/** The backend tfjs has already initialised (a page that set `webgl`, say), without initialising one; or null. */
function activeBackend(): BackendName | null {
  const name = (tf.engine() as { backendName?: string | null }).backendName;
  return name && (BACKEND_PREFERENCE as readonly string[]).includes(name) ? (name as BackendName) : null;
}

/**
 * Choose and activate a tfjs backend.
 * With `'auto'` it tries the registered candidates in preference order and keeps the first that loads and
 * initialises; `cpu` always works. It never downgrades: when tfjs already runs on a backend (the page chose
 * `webgl`), only candidates at least as good are tried, and that backend is kept when none loads. With a named backend it uses
 * only that one and throws when it cannot load.
 * @returns the backend now active, its source, and the reasons better candidates were skipped.
 * @example
 * ```ts
 * import { initBackend } from 'bertvision';
 * const { backend } = await initBackend(); // Node: tensorflow, else wasm; a page: webgpu, webgl, wasm, else cpu
 * ```
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  const request = options.backend ?? parseBackendRequest(envRequest());
  const skipped: BackendChoice['skipped'] = [];
  const active = request === 'auto' ? activeBackend() : null;
  const rank = (n: BackendName): number => BACKEND_PREFERENCE.indexOf(n);
  const pool = backendCandidates().filter((c) =>
    request === 'auto' ? active === null || rank(c.name) <= rank(active) : c.name === request,
  );
  if (active !== null && !pool.some((c) => c.name === active)) {
    pool.push({ name: active, source: 'already active in @tensorflow/tfjs', load: async () => ({ ok: true }) });
  } else if (request === 'cpu' || request === 'auto') {
    pool.push({ name: 'cpu', source: '@tensorflow/tfjs (pure JS)', load: async () => ({ ok: true }) });
  }
  for (const candidate of pool) {
    const loaded = await candidate.load();
    if (!loaded.ok) {
      skipped.push({ name: candidate.name, source: candidate.source, reason: loaded.reason });
      continue;
    }
    let ready = false;
    try {
      // the wasm glue adds process-wide error listeners when it starts: the host keeps its own error handling
      ready = await withoutNewProcessListeners(async () => {
        const set = await tf.setBackend(candidate.name);
        await tf.ready();
        return set;
      });
    } catch (error) {
      skipped.push({ name: candidate.name, source: candidate.source, reason: String(error) });
      continue;
    }
    if (!ready || tf.getBackend() !== candidate.name) {
      skipped.push({ name: candidate.name, source: candidate.source, reason: 'tf.setBackend returned false' });
      continue;
    }
    if (candidate.name === 'cpu') silenceCpuBackendBanner();
    candidate.activated?.();
    installEarlyGradientRelease(); // every backend: a training step's dy and saved tensors go as soon as they are dead
    options.log?.(`bertvision: using backend '${candidate.name}' (${candidate.source})`);
    return { backend: candidate.name, source: candidate.source, skipped };
  }
  const detail = skipped.map((s) => `${s.name} (${s.source}): ${s.reason}`).join('; ');
  throw new InvalidArgumentError(
    `backend '${request}' is not available${detail ? `: ${detail}` : ' (no candidate registered)'}`,
  );
}
