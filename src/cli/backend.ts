/**
 * The backend a `bertvision` command computes on: exactly what the library picks (`initBackend` with the Node
 * candidates registered: tfjs-node(-gpu) when installed, then wasm with bertvision's native kernels, then the pure-JS
 * cpu backend), `--backend` winning over `$BERTVISION_BACKEND`. The choice is printed on stderr.
 */
import '../backend/node-candidates.js';
import {
  BACKEND_ENV_VAR,
  type BackendChoice,
  type BackendName,
  initBackend,
  parseBackendRequest,
} from '../backend/choose.js';
import { BertVisionError, UsageError } from '../errors.js';
import type { CliIO } from './command.js';

/** The `--backend` line every computing command's usage shows. */
export const BACKEND_USAGE =
  '  --backend <name>         auto | tensorflow | wasm | cpu (default: $BERTVISION_BACKEND, else auto)';

/** The backend asked for: `--backend`, else `$BERTVISION_BACKEND`, else auto. An unknown name is a usage error. */
export function requestedBackend(flag: string | undefined): BackendName | 'auto' {
  const [source, value] =
    flag !== undefined ? ['--backend', flag] : [`$${BACKEND_ENV_VAR}`, process.env[BACKEND_ENV_VAR]];
  try {
    return parseBackendRequest(value);
  } catch (error) {
    if (error instanceof BertVisionError) throw new UsageError(`${source}: ${error.message}`);
    throw error;
  }
}

/**
 * Start the backend for a command: `flag` is the `--backend` value (undefined: `$BERTVISION_BACKEND`, else auto).
 * Prints `bertvision: using backend '<name>' (<source>)` on stderr and returns the choice.
 */
export async function startCliBackend(flag: string | undefined, io: CliIO): Promise<BackendChoice> {
  const choice = await initBackend({ backend: requestedBackend(flag) });
  io.stderr(`bertvision: using backend '${choice.backend}' (${choice.source})\n`);
  return choice;
}

/**
 * For the commands that only load, count and save weights (`inspect`, `convert`): the pure-JS cpu backend, started
 * silently: no choice to report, and no tfjs banner.
 */
export async function startQuietBackend(): Promise<void> {
  await initBackend({ backend: 'cpu' });
}
