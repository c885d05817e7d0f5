/**
 * bertvision's optional native kernels (Node only): a Node-API addon built at install time by `native/build.mjs`
 * from the package's own C++ sources, with no download. It provides memory-mapped float16 store reads decoded on
 * every core, and an AVX2/FMA matrix product for the WebAssembly backend. Everything it does has a WebAssembly or
 * JavaScript fallback with the same results; `BERTVISION_NATIVE=0` (or false/off/no) turns it off. The exception is
 * the opt-in bf16 matrix product (`matmulBf16`, AVX-512 BF16 CPUs only): it has no fallback, and asking for it where it
 * cannot run is an error (src/backend/kernels/native-matmul.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeAddon, NativeCapabilities } from './native-addon.js';
import { nativeAllowed, threadCount, warnOnce } from './native-env.js';

/** Environment variable that disables the native kernels when set to `0`, `false`, `off` or `no`. */
export const NATIVE_ENV_VAR = 'BERTVISION_NATIVE';

/** The addon's interface (./native-addon.ts), re-exported for the modules that use the addon. */
export type {
  NativeAddon,
  NativeCapabilities,
  NativeDepthwiseGeometry,
  NativeMapping,
  NativeMatmul,
} from './native-addon.js';

/** Whether the addon is in use, and if not, why. */
export interface NativeStatus {
  loaded: boolean;
  /** Where it was loaded from (when loaded). */
  path?: string;
  /** Why it is not in use (when not loaded). */
  reason?: string;
  capabilities?: NativeCapabilities;
}

const ADDON_FILE = join('native', 'build', 'bertvision_native.node');
/** What native/build.mjs leaves when the install could not build the addon (npm hides install output). */
const NOT_BUILT_FILE = join('native', 'build', 'NOT_BUILT.txt');

let state: { addon: NativeAddon | undefined; status: NativeStatus } | undefined;

/** This module's own file, in the ESM and the CommonJS build alike. */
function thisFile(): string {
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/** `file` (relative to the package root) in the directories above this module (src/node or dist). */
function findInPackage(file: string): string | undefined {
  let dir = dirname(thisFile());
  for (let up = 0; up < 4; up++, dir = dirname(dir)) {
    const candidate = join(dir, file);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Why the install did not build the addon, as native/build.mjs recorded it, or undefined. */
function installFailure(): string | undefined {
  const file = findInPackage(NOT_BUILT_FILE);
  try {
    return file ? readFileSync(file, 'utf8').trim().split('\n')[0] : undefined;
  } catch {
    return undefined;
  }
}

function load(): { addon: NativeAddon | undefined; status: NativeStatus } {
  const switchValue = process.env[NATIVE_ENV_VAR];
  if (!nativeAllowed(switchValue))
    return { addon: undefined, status: { loaded: false, reason: `${NATIVE_ENV_VAR}=${switchValue ?? ''}` } };
  // The native pool reads BERTVISION_THREADS itself when it starts: hand it the checked value (capped, or unset).
  const threads = threadCount(process.env.BERTVISION_THREADS);
  if (threads === undefined) delete process.env.BERTVISION_THREADS;
  else process.env.BERTVISION_THREADS = String(threads);
  const path = findInPackage(ADDON_FILE);
  if (!path) {
    const failure = installFailure();
    if (failure !== undefined) {
      warnOnce(
        'native-not-built',
        `bertvision: native kernels not built at install (${failure}); the WebAssembly kernels are used (same ` +
          'results, slower). Install a C++17 compiler and run `npm rebuild bertvision` to build them.',
      );
    }
    return {
      addon: undefined,
      status: {
        loaded: false,
        reason:
          failure !== undefined
            ? `not built at install: ${failure} (install a C++17 compiler, then \`npm rebuild bertvision\`)`
            : 'not built (run `node native/build.mjs` in the package)',
      },
    };
  }
  try {
    const addon = createRequire(thisFile())(path) as NativeAddon;
    return { addon, status: { loaded: true, path, capabilities: addon.capabilities() } };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { addon: undefined, status: { loaded: false, path, reason: `cannot be loaded: ${message}` } };
  }
}

/** The native addon, or undefined where it is not built, cannot load, or `BERTVISION_NATIVE` is off. Loaded once. */
export function nativeAddon(): NativeAddon | undefined {
  state ??= load();
  return state.addon;
}

/**
 * Whether bertvision's native kernels are in use, where from and what they can do (or why not).
 * @example nativeKernelStatus() // { loaded: true, path: '…/bertvision_native.node', capabilities: { f16c: true, … } }
 */
export function nativeKernelStatus(): NativeStatus {
  state ??= load();
  return state.status;
}
