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
import {
  MATMUL_ENV_VAR,
  type MatMulPrecision,
  parseMatMulPrecision,
  setMatMulPrecision,
} from '../backend/kernels/native-matmul.js';
import type { CliIO } from './command.js';

/** The `--backend` line every computing command's usage shows. */
export const BACKEND_USAGE =
  '  --backend <name>         auto | tensorflow | wasm | cpu (default: $BERTVISION_BACKEND, else auto)';

/** The `--matmul` line of `train` and `predict`. */
export const MATMUL_USAGE =
  '  --matmul <precision>     fp32 | bf16: precision of the large matrix products (default: $BERTVISION_MATMUL, else\n' +
  '                           fp32). bf16 is opt-in: bfloat16 operands, float32 sums; needs AVX-512 BF16 and the\n' +
  '                           native kernels (refused elsewhere, never replaced by fp32)';

/** The matrix product precision asked for, and where from: `--matmul`, else `$BERTVISION_MATMUL`, else fp32. */
export interface MatMulRequest {
  precision: MatMulPrecision;
  source: string;
}

/** Reads `--matmul` (else `$BERTVISION_MATMUL`); an unknown value is a usage error. Call before the backend starts. */
export function requestedMatMul(flag: string | undefined): MatMulRequest {
  const [source, value] = flag !== undefined ? ['--matmul', flag] : [`$${MATMUL_ENV_VAR}`, process.env[MATMUL_ENV_VAR]];
  try {
    const precision = parseMatMulPrecision(value);
    return precision === undefined ? { precision: 'fp32', source: 'default' } : { precision, source };
  } catch (error) {
    if (error instanceof BertVisionError) throw new UsageError(`${source}: ${error.message}`);
    throw error;
  }
}

/**
 * Applies the precision once the backend runs. bf16 where it cannot run (no native kernels, a CPU without AVX-512
 * BF16, another backend) is a usage error, never a silent fp32 run. Prints the choice on stderr when it is bf16.
 */
export function applyMatMul(request: MatMulRequest, io: CliIO): MatMulPrecision {
  try {
    setMatMulPrecision(request.precision);
  } catch (error) {
    if (error instanceof BertVisionError)
      throw new UsageError(`${request.source} ${request.precision}: ${error.message}`);
    throw error;
  }
  if (request.precision !== 'fp32')
    io.stderr(`bertvision: large matrix products in ${request.precision} (${request.source})\n`);
  return request.precision;
}

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
