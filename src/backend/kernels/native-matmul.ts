/**
 * The WebAssembly backend's `BatchMatMul` on bertvision's native AVX2/FMA kernel (Node only).
 *
 * tfjs-backend-wasm multiplies matrices with XNNPACK on one core (Node disables its threads); the AdapterPooler's E→A
 * projection (7.6 GFLOP per span example each way at BERT-large size) is bound by it. The native kernel works in place
 * on the wasm heap (no copies), absorbs transposed operands in its packing, and runs on every core. Products of at
 * least {@link NativeMatMulOptions.minMultiplyAdds} multiply-adds, 16 columns and 6 rows go native, and so do matrix ×
 * vector products of that size (the layer mix, on its own memory-bound kernel) and products with at most 8 columns or
 * an inner size of at most 8 (a span head's Dense(2) and its gradients, on the skinny kernels of
 * native-skinny-matmul.ts, which also take `_FusedMatMul`'s biased forward product of such shapes); smaller ones (where
 * the thread hand-off would cost more than it saves) keep the previous kernel, except batches that broadcast both ways
 * (`[2,1,…] × [1,3,…]`), which tfjs-wasm 4.22's kernel gets wrong and which therefore always go native (guarded by
 * test/native/native-matmul.test.ts, "batches that broadcast both ways"). Sums are accumulated in a different order
 * than XNNPACK's, so results differ in the last bits (within float32 rounding).
 *
 * Opt-in, never by default: {@link setMatMulPrecision}`('bf16')` (the CLI's `--matmul bf16`, or
 * `BERTVISION_MATMUL=bf16`) sends the same large products (at least `minMultiplyAdds`; not the skinny ones, which are
 * memory-bound and stay float32) to the AVX-512 BF16 kernel, which rounds both operands to bfloat16 (8 significant
 * bits) and accumulates in float32: about 1.2–1.9× the float32 kernel's rate (docs/benchmarks.md, "bf16"). Where that
 * kernel cannot run (no addon, a CPU without AVX-512 BF16, another backend), asking for it throws; it never falls back
 * to float32 silently.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../../errors.js';
import { ADAPTER_HEAD_FUSION_FLAG } from '../../layers/adapter-span-head.js';
import { nativeAddon, nativeKernelStatus, type NativeAddon, type NativeStatus } from '../../platform/native.js';
import { heapBuffer, heapOffset, type WasmBackend } from '../../platform/wasm-heap.js';
import { fusedSkinnyRoute, skinnyFits, skinnyProduct } from './native-skinny-matmul.js';
import { productShape } from './product-shape.js';
import { wrapKernel } from './wrap-kernel.js';

/** Options of {@link installNativeMatMul}. */
export interface NativeMatMulOptions {
  /** Smallest product (batch·M·N·K multiply-adds) sent to the native kernel. Default 2^20. */
  minMultiplyAdds?: number;
  /**
   * Fewest output columns (N) and rows (M) sent native. Defaults 16 and 6: the kernel computes 6 × 16 tiles, so a
   * narrower product wastes most of each tile and XNNPACK does it better even on one core (docs/benchmarks.md,
   * "Kernel choices").
   */
  minColumns?: number;
  /** See {@link NativeMatMulOptions.minColumns}. Default 6. */
  minRows?: number;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

const MARK = Symbol.for('bertvision.nativeMatMul');
let minMultiplyAdds = 2 ** 20;
let calls = 0;
let minColumns = 16;
let minRows = 6;

/** How many products the native kernel has computed in this process (diagnostics and tests). */
export function nativeMatMulCalls(): number {
  return calls;
}

/** Precision of the large matrix products: float32 (the default), or bfloat16 operands with float32 sums. */
export type MatMulPrecision = 'fp32' | 'bf16';
/** The precisions {@link setMatMulPrecision} takes. */
export const MATMUL_PRECISIONS: readonly MatMulPrecision[] = ['fp32', 'bf16'];
/** Environment variable the CLI reads for the precision when `--matmul` is not given (`fp32` or `bf16`). */
export const MATMUL_ENV_VAR = 'BERTVISION_MATMUL';

let precision: MatMulPrecision = 'fp32';
let bf16Calls = 0;
/** Backends whose BatchMatMul this module replaced. */
const installedOn = new Set<string>();

/** The precision of the large matrix products now (`'fp32'` unless {@link setMatMulPrecision} chose bf16). */
export function matMulPrecision(): MatMulPrecision {
  return precision;
}

/** How many of {@link nativeMatMulCalls} ran on the bf16 kernel (diagnostics and tests). */
export function nativeMatMulBf16Calls(): number {
  return bf16Calls;
}

/**
 * Why bf16 products cannot run, or undefined where they can: they need the native addon loaded, a CPU with AVX-512
 * BF16 (and an addon built with it), and the native matrix product installed on the backend in use.
 * @param status the addon's status (default: this process's; tests pass another)
 * @param backend the backend the products run on (default: the active one)
 */
export function bf16Unavailable(
  status: NativeStatus = nativeKernelStatus(),
  backend: string = tf.getBackend(),
): string | undefined {
  if (!status.loaded) return `the native kernels are not in use (${status.reason ?? 'not loaded'})`;
  if (!status.capabilities?.avx512Bf16)
    return 'this CPU lacks AVX-512 BF16 (vdpbf16ps), or the native kernels were built without it';
  if (!installedOn.has(backend))
    return `the '${backend}' backend does not run its matrix products on the native kernels (bf16 needs the wasm backend with them)`;
  return undefined;
}

/**
 * A precision as written in `--matmul` or `BERTVISION_MATMUL` (case and surrounding spaces ignored); undefined for an
 * unset or empty value. @throws InvalidArgumentError for anything else.
 */
export function parseMatMulPrecision(value: string | undefined): MatMulPrecision | undefined {
  const text = value?.trim().toLowerCase();
  if (text === undefined || text === '') return undefined;
  if (!(MATMUL_PRECISIONS as readonly string[]).includes(text))
    throw new InvalidArgumentError(`'${value}' is not one of ${MATMUL_PRECISIONS.join(', ')}`);
  return text as MatMulPrecision;
}

/**
 * Chooses the precision of the large matrix products (those sent to the native kernel, at least `minMultiplyAdds`
 * multiply-adds) for this process. `'fp32'` is the default; `'bf16'` is opt-in and needs {@link bf16Unavailable} to be
 * undefined.
 * @param check where bf16 is checked (default: this process's addon and active backend; tests simulate others)
 * @throws InvalidArgumentError when bf16 is asked for and cannot run (never a silent fallback to fp32)
 * Choosing bf16 also turns off the fused adapter span head (`ADAPTER_HEAD_FUSION_FLAG`), whose product is float32.
 */
export function setMatMulPrecision(
  value: MatMulPrecision,
  check: { status?: NativeStatus; backend?: string } = {},
): void {
  if (!(MATMUL_PRECISIONS as readonly string[]).includes(value))
    throw new InvalidArgumentError(
      `matrix product precision '${String(value)}' is not one of ${MATMUL_PRECISIONS.join(', ')}`,
    );
  if (value === 'bf16') {
    const reason = bf16Unavailable(check.status, check.backend);
    if (reason !== undefined) throw new InvalidArgumentError(`bf16 matrix products are not available: ${reason}`);
  }
  precision = value;
  // the fused adapter span head's gradient product is float32 only: its heads train layer by layer on bf16
  tf.env().set(ADAPTER_HEAD_FUSION_FLAG, value === 'fp32');
}

/** Runs the product natively, or returns undefined to leave it to the previous kernel. */
function nativeProduct(addon: NativeAddon, args: KernelArgs): Info | undefined {
  const { a, b } = args.inputs as { a: Info; b: Info };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const shape = productShape(a, b, transposeA, transposeB);
  if (!shape) return undefined; // let the original report it
  const { m, n, k, outerShape, batch, batchA, batchB, simple } = shape;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  // batches that broadcast both ways (e.g. [2,1,…] × [1,3,…]) come out wrong from tfjs-wasm 4.22's own kernel: always
  // take them (regression test: test/native/native-matmul.test.ts); the rest only when large enough to pay for the
  // thread hand-off
  if (simple && batch === 1 && n === 1 && (!transposeA || m <= MAX_TRANSPOSED_MATVEC_ROWS)) {
    return batch * m * k < minMultiplyAdds ? undefined : matrixVector(addon, args, outerShape, m, k);
  }
  const large = batch * m * n * k >= minMultiplyAdds;
  if (simple && large && addon.skinnyMatmul !== undefined && skinnyFits(m, n, k, transposeA)) {
    calls++;
    return skinnyProduct(addon, args.backend as unknown as WasmBackend, { a, b }, shape, transposeA, transposeB);
  }
  if (simple && large && n < minColumns && m >= minColumns) {
    return narrowProduct(addon, args, outerShape, batch, batchA, batchB, m, n, k);
  }
  if (simple && (!large || n < minColumns || m < minRows)) return undefined;
  const backend = args.backend as unknown as WasmBackend;
  const out = backend.makeOutput([...outerShape, m, n], 'float32');
  calls++;
  const offset = (info: Info): number => heapOffset(backend, info);
  const heap = heapBuffer(backend);
  // only the large products go bf16 (small both-way broadcasts come here whatever their size)
  const bf16 = precision === 'bf16' && large && addon.matmulBf16 !== undefined;
  if (bf16) bf16Calls++;
  const kernel = bf16 ? addon.matmulBf16!.bind(addon) : addon.matmul.bind(addon);
  const multiply = (aAt: number, bAt: number, cAt: number, entries: number, strideA: number, strideB: number): void =>
    kernel(heap, aAt, bAt, cAt, entries, m, n, k, strideA, strideB, m * n, transposeA, transposeB);
  if (simple) {
    multiply(offset(a), offset(b), offset(out), batch, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n);
    return out;
  }
  const entryA = broadcastIndex(outerShape, outerA);
  const entryB = broadcastIndex(outerShape, outerB);
  for (let i = 0; i < batch; i++) {
    multiply(
      offset(a) + 4 * m * k * entryA(i),
      offset(b) + 4 * k * n * entryB(i),
      offset(out) + 4 * m * n * i,
      1,
      0,
      0,
    );
  }
  return out;
}

/**
 * A product with few output columns that the skinny kernels do not take (9 to 15 of them, or a transposed left
 * operand with too many rows for their per-task copies of C): computed transposed, `Cᵀ = op(B)ᵀ·op(A)ᵀ`, so that the
 * wide side fills the kernel's 16-column tiles, then transposed back (n·m values, small).
 */
function narrowProduct(
  addon: NativeAddon,
  args: KernelArgs,
  outerShape: number[],
  batch: number,
  batchA: number,
  batchB: number,
  m: number,
  n: number,
  k: number,
): Info {
  const { a, b } = args.inputs as { a: Info; b: Info };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const backend = args.backend as unknown as WasmBackend;
  const transposed = backend.makeOutput([batch, n, m], 'float32');
  const out = backend.makeOutput([...outerShape, m, n], 'float32');
  calls++;
  const heap = heapBuffer(backend);
  const at = (info: Info): number => heapOffset(backend, info);
  addon.matmul(
    heap,
    at(b),
    at(a),
    at(transposed),
    batch,
    n,
    m,
    k,
    batchB === 1 ? 0 : k * n,
    batchA === 1 ? 0 : m * k,
    m * n,
    !transposeB,
    !transposeA,
  );
  addon.transpose(heap, at(transposed), at(out), batch, n, m, 1);
  backend.disposeData(transposed.dataId);
  return out;
}

/** Widest `Aᵀ·x` the native matrix × vector kernel takes (native/src/matvec.h). */
const MAX_TRANSPOSED_MATVEC_ROWS = 64;

/**
 * A·x or Aᵀ·x (the layer mix of BertConcat: `[N·S·H, L] × [L, 1]` and its gradient `[N·S·H, L]ᵀ × [N·S·H, 1]`), on
 * the native matrix × vector kernel: memory-bound, so it streams A once on every core.
 */
function matrixVector(addon: NativeAddon, args: KernelArgs, outerShape: number[], m: number, k: number): Info {
  const { a, b } = args.inputs as { a: Info; b: Info };
  const { transposeA } = args.attrs as { transposeA: boolean };
  const backend = args.backend as unknown as WasmBackend;
  const out = backend.makeOutput([...outerShape, m, 1], 'float32');
  calls++;
  addon.matVec(
    heapBuffer(backend),
    heapOffset(backend, a),
    heapOffset(backend, b),
    heapOffset(backend, out),
    m,
    k,
    transposeA,
  );
  return out;
}

/** Maps a flat index over `outer` to the flat index of the entry of `shape` (broadcast to `outer`) it reads. */
function broadcastIndex(outer: number[], shape: number[]): (index: number) => number {
  const padded = [...outer.slice(0, outer.length - shape.length).map(() => 1), ...shape];
  return (index) => {
    let flat = 0;
    let stride = 1;
    let outerStride = 1;
    for (let axis = outer.length - 1; axis >= 0; axis--) {
      const coordinate = Math.floor(index / outerStride) % outer[axis]!;
      if (padded[axis]! !== 1) flat += coordinate * stride;
      stride *= padded[axis]!;
      outerStride *= outer[axis]!;
    }
    return flat;
  };
}

/** Whether {@link installNativeMatMul} routed `backendName`'s BatchMatMul to the native kernel in this process. */
export function nativeMatMulInstalled(backendName = 'wasm'): boolean {
  return installedOn.has(backendName);
}

/**
 * Routes the wasm backend's large matrix products to the native kernel. Idempotent; call after the wasm backend's
 * package is imported (the Node entry does it). Later calls only update the options.
 * @returns true when installed (now or before); false when the addon is unavailable (not built, `BERTVISION_NATIVE=0`,
 *   a CPU without AVX2/FMA) or the backend has no BatchMatMul.
 */
export function installNativeMatMul(options: NativeMatMulOptions = {}, backendName = 'wasm'): boolean {
  if (options.minMultiplyAdds !== undefined) minMultiplyAdds = Math.max(0, options.minMultiplyAdds);
  if (options.minColumns !== undefined) minColumns = Math.max(1, options.minColumns);
  if (options.minRows !== undefined) minRows = Math.max(1, options.minRows);
  const addon = nativeAddon();
  if (!addon?.capabilities().avx2Fma) return false;
  const outcome = wrapKernel('BatchMatMul', backendName, MARK, (args) => nativeProduct(addon, args));
  if (outcome === 'absent') return false;
  wrapKernel(
    '_FusedMatMul',
    backendName,
    MARK,
    fusedSkinnyRoute(
      addon,
      () => minMultiplyAdds,
      () => calls++,
    ),
  );
  installedOn.add(backendName);
  return true;
}
