/**
 * The typed interface of bertvision's native addon (native/src/addon.cc and the files it registers): what each
 * function takes and does, and the capabilities it reports. Types only; src/platform/native.ts loads the addon.
 */
/** An opaque handle of a file mapped by the addon. */
export type NativeMapping = object & { readonly __nativeMapping: unique symbol };

/** What the CPU and the build offer. */
export interface NativeCapabilities {
  /** float16 decoding with the F16C instructions (else a portable loop, still on every core). */
  f16c: boolean;
  /** The AVX2/FMA matrix product (x86-64 with AVX2 and FMA). */
  avx2Fma: boolean;
  /**
   * The opt-in bfloat16 matrix product (`BERTVISION_MATMUL=bf16`, `setMatMulPrecision('bf16')`): x86-64 with AVX-512
   * F/BW/VL and BF16 (`vdpbf16ps`), in a build whose compiler knows `-mavx512bf16`. Absent in addons built before it.
   */
  avx512Bf16?: boolean;
  /** Memory-mapped file reads (POSIX). */
  mmap: boolean;
  /** Threads the kernels use (`BERTVISION_THREADS`, default: all cores). */
  threads: number;
}

/**
 * C[b] = op(A[b])·op(B[b]) for b < batch on float32 matrices inside `memory` (the wasm heap), at byte offsets; strides in
 * elements between batch entries (0 = the same matrix for every entry).
 */
export type NativeMatmul = (
  memory: ArrayBuffer,
  aByteOffset: number,
  bByteOffset: number,
  cByteOffset: number,
  batch: number,
  m: number,
  n: number,
  k: number,
  strideA: number,
  strideB: number,
  strideC: number,
  transposeA: boolean,
  transposeB: boolean,
) => void;

/**
 * The shapes of a depthwise convolution after the heap offsets of its native gradients (native/src/depthwise_gradients.h):
 * x `[batch, inH, inW, C]`, filter `[kh, kw, C, M]`, dy `[batch, outH, outW, C·M]`; non-negative integers.
 */
export type NativeDepthwiseGeometry = [
  batch: number,
  inH: number,
  inW: number,
  channels: number,
  multiplier: number,
  outH: number,
  outW: number,
  kh: number,
  kw: number,
  strideH: number,
  strideW: number,
  dilationH: number,
  dilationW: number,
  padTop: number,
  padLeft: number,
];

/** The functions of the addon (see native/src/addon.cc). */
export interface NativeAddon {
  capabilities(): NativeCapabilities;
  decodeFloat16(src: Uint16Array, dst: Float32Array): void;
  mapFile(fd: number): NativeMapping;
  unmapFile(mapping: NativeMapping): void;
  readMapped(
    mapping: NativeMapping,
    offset: number,
    bytes: number,
    dst: ArrayBufferView,
    decodeFloat16: boolean,
  ): Promise<void>;
  matmul: NativeMatmul;
  /**
   * `C = op(A)·op(B)` with A's stored columns grouped (native/src/gemm.h, GroupedColumns), plus `bias` (n float32s at
   * `biasByteOffset`, −1 for none) on every row; float32 inside `memory`.
   */
  groupedMatmul(
    memory: ArrayBuffer,
    aByteOffset: number,
    bByteOffset: number,
    cByteOffset: number,
    m: number,
    n: number,
    k: number,
    ld: number,
    group: number,
    groupStride: number,
    transposeA: boolean,
    transposeB: boolean,
    biasByteOffset: number,
  ): void;
  /**
   * The weight gradients of a shared AdapterPooler projection through its tanh-GELU in one product
   * (native/src/adapter_gradients.h): x `[n, E, L]`, g `[n·L, A]` (the activation's derivative at the projection's
   * output, from {@link NativeAddon.geluTanhTransposedWithDerivative}), dy `[n, A, L]` → dW `[E, A]`, db `[A]` (both
   * overwritten), float32 inside `memory`; the same bits on any thread count. Absent in addons built before it.
   */
  adapterGeluGradients?(
    memory: ArrayBuffer,
    xByteOffset: number,
    gByteOffset: number,
    dyByteOffset: number,
    dWByteOffset: number,
    dbByteOffset: number,
    n: number,
    E: number,
    L: number,
    A: number,
  ): void;
  /**
   * The fused span head's logits (native/src/adapter_head.h): `out [n, 2] = GELU_tanh(z)·w + b` with z `[n·L, A]` (rows
   * ordered (i, l)) flattened `(A, L)`, w `[A·L, 2]`, b `[2]`; float32 inside `memory`, the same bits on any thread
   * count. Absent in addons built before it.
   */
  adapterHeadForward?(
    memory: ArrayBuffer,
    zByteOffset: number,
    wByteOffset: number,
    bByteOffset: number,
    outByteOffset: number,
    n: number,
    L: number,
    A: number,
  ): void;
  /**
   * The fused span head's weight gradients (native/src/adapter_head.h): x `[n, E, L]`, z `[n·L, A]`, the logits'
   * gradient dOut `[n, 2]` and w `[A·L, 2]` → the adapter's dWa `[E, A]` and dba `[A]`, the head's dw `[A·L, 2]` and db
   * `[2]` (all overwritten); float32 inside `memory`, the same bits on any thread count. Absent in addons built before
   * it.
   */
  adapterHeadGradients?(
    memory: ArrayBuffer,
    xByteOffset: number,
    zByteOffset: number,
    dOutByteOffset: number,
    wByteOffset: number,
    dWaByteOffset: number,
    dbaByteOffset: number,
    dwByteOffset: number,
    dbByteOffset: number,
    n: number,
    E: number,
    L: number,
    A: number,
  ): void;
  /**
   * {@link NativeAddon.matmul} with A and B rounded to bfloat16 (nearest even) and float32 accumulation; throws where
   * `capabilities().avx512Bf16` is false. Absent in addons built before it.
   */
  matmulBf16?: NativeMatmul;
  /**
   * {@link NativeAddon.matmul}'s product for shapes with at most 8 output columns or an inner size of at most 8
   * (native/src/skinny_products.h), plus `bias` (n float32s at `biasByteOffset`, −1 for none) on every row. Absent in
   * older addons.
   */
  skinnyMatmul?(...args: [...Parameters<NativeMatmul>, biasByteOffset: number]): void;
  matVec(
    memory: ArrayBuffer,
    aByteOffset: number,
    xByteOffset: number,
    yByteOffset: number,
    m: number,
    k: number,
    transposed: boolean,
  ): void;
  geluTanh(memory: ArrayBuffer, xByteOffset: number, yByteOffset: number, count: number): void;
  /** `dx = dy · step(x)` over `count` float32s inside `memory` (tfjs' ReLU gradient). Absent in older addons. */
  reluGrad?(memory: ArrayBuffer, xByteOffset: number, dyByteOffset: number, dxByteOffset: number, count: number): void;
  /**
   * Batch normalisation over the last axis of a float32 `[rows, channels]` array inside `memory`: byte offsets, −1 for
   * an absent scale or offset. Absent in older addons.
   */
  batchNormForward?(
    memory: ArrayBuffer,
    xByteOffset: number,
    meanByteOffset: number,
    varianceByteOffset: number,
    scaleByteOffset: number,
    offsetByteOffset: number,
    yByteOffset: number,
    rows: number,
    channels: number,
    epsilon: number,
  ): void;
  /** The gradients of {@link NativeAddon.batchNormForward} into dx and the four per-channel arrays. */
  batchNormBackward?(
    memory: ArrayBuffer,
    xByteOffset: number,
    meanByteOffset: number,
    varianceByteOffset: number,
    scaleByteOffset: number,
    dyByteOffset: number,
    dxByteOffset: number,
    dMeanByteOffset: number,
    dVarianceByteOffset: number,
    dScaleByteOffset: number,
    dOffsetByteOffset: number,
    rows: number,
    channels: number,
    epsilon: number,
  ): void;
  /**
   * The batch moments of a float32 `[rows, channels]` array inside `memory` per channel, as training-mode batch
   * normalisation takes them: the mean, then the mean squared deviation from it (accumulated in double). Absent in
   * older addons.
   */
  batchNormMoments?(
    memory: ArrayBuffer,
    xByteOffset: number,
    meanByteOffset: number,
    varianceByteOffset: number,
    rows: number,
    channels: number,
  ): void;
  /**
   * The gradients of training-mode batch normalisation (mean and variance the batch moments of x) into dx and the
   * per-channel dScale and dOffset: the gradient to x includes the paths through the moments. Absent in older addons.
   */
  batchNormTrainingBackward?(
    memory: ArrayBuffer,
    xByteOffset: number,
    meanByteOffset: number,
    varianceByteOffset: number,
    scaleByteOffset: number,
    dyByteOffset: number,
    dxByteOffset: number,
    dScaleByteOffset: number,
    dOffsetByteOffset: number,
    rows: number,
    channels: number,
    epsilon: number,
  ): void;
  /**
   * The average-pooling gradient (tfjs' `AvgPoolGrad`: the window size as divisor, padding counted) of float32 NHWC
   * arrays inside `memory`: dy `[batch, outH, outW, C]` into dx `[batch, inH, inW, C]`. Absent in older addons.
   */
  avgPoolGrad?(
    memory: ArrayBuffer,
    dyByteOffset: number,
    dxByteOffset: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    outH: number,
    outW: number,
    filterHeight: number,
    filterWidth: number,
    strideHeight: number,
    strideWidth: number,
    padTop: number,
    padLeft: number,
  ): void;
  /**
   * One Adam step over `count` float32s inside `memory` (outputs may be the inputs): `coefficients` are β1, 1−β1, β2,
   * 1−β2, 1−β1ᵗ, 1−β2ᵗ, ε and −lr, each operation rounded as tfjs' AdamOptimizer rounds it. Absent in older addons.
   */
  adamUpdate?(
    memory: ArrayBuffer,
    wByteOffset: number,
    gByteOffset: number,
    mByteOffset: number,
    vByteOffset: number,
    wOutByteOffset: number,
    mOutByteOffset: number,
    vOutByteOffset: number,
    count: number,
    coefficients: Float32Array,
  ): void;
  /** `out[c] = Σ_r in[r][c]` for a float32 `[rows, columns]` matrix inside `memory`. */
  columnSums(memory: ArrayBuffer, inByteOffset: number, outByteOffset: number, rows: number, columns: number): void;
  /** `out[a][c][b][d] = in[a][b][c][d]` for 4-byte values of shape `[A, B, C, D]` inside `memory`. */
  transpose(
    memory: ArrayBuffer,
    inByteOffset: number,
    outByteOffset: number,
    a: number,
    b: number,
    c: number,
    d: number,
  ): void;
  geluTanhGrad(
    memory: ArrayBuffer,
    xByteOffset: number,
    dyByteOffset: number,
    dxByteOffset: number,
    count: number,
  ): void;
  /**
   * `y[b][c][r] = GELU(x[b][r][c])` (tanh form) over the `count / (rows·cols)` float32 blocks `[rows, cols]` of `x`
   * inside `memory`: the activation written transposed. Absent in older addons.
   */
  geluTanhTransposed?(
    memory: ArrayBuffer,
    xByteOffset: number,
    yByteOffset: number,
    count: number,
    rows: number,
    cols: number,
  ): void;
  /**
   * {@link NativeAddon.geluTanhTransposed}'s `y`, and `g[b][r][c] = GELU'(x[b][r][c])` in x's layout from the same
   * tanh (what a backward pass needs instead of x). Absent in addons built before it.
   */
  geluTanhTransposedWithDerivative?(
    memory: ArrayBuffer,
    xByteOffset: number,
    yByteOffset: number,
    gByteOffset: number,
    count: number,
    rows: number,
    cols: number,
  ): void;
  /** The gradient of {@link NativeAddon.geluTanhTransposed}: `dx[b][r][c] = dy[b][c][r] · GELU'(x[b][r][c])`. */
  geluTanhTransposedGrad?(
    memory: ArrayBuffer,
    xByteOffset: number,
    dyByteOffset: number,
    dxByteOffset: number,
    count: number,
    rows: number,
    cols: number,
  ): void;
  /**
   * The filter gradient of a depthwise convolution (`dw [kh, kw, C, M]`, overwritten) from `x` and `dy`, float32
   * inside `memory`; throws on a bad geometry or a range outside `memory`. Absent in addons built before it.
   */
  depthwiseFilterGradient?(
    memory: ArrayBuffer,
    xByteOffset: number,
    dyByteOffset: number,
    dwByteOffset: number,
    ...geometry: NativeDepthwiseGeometry
  ): void;
  /**
   * The input gradient of a depthwise convolution (`dx [batch, inH, inW, C]`, overwritten) from `dy` and the filter
   * `w`, float32 inside `memory`; throws like {@link NativeAddon.depthwiseFilterGradient}. Absent in older addons.
   */
  depthwiseInputGradient?(
    memory: ArrayBuffer,
    dyByteOffset: number,
    wByteOffset: number,
    dxByteOffset: number,
    ...geometry: NativeDepthwiseGeometry
  ): void;
  /**
   * Asks Linux for transparent huge pages over the memory reservation starting at `memory` (the wasm heap, its
   * not-yet-grown part included), at most `limitBytes` of it (native/src/heap_pages.h). Returns the bytes advised: 0
   * off Linux, with transparent huge pages set to `never`, or when madvise refuses. Absent in addons built before it.
   */
  adviseHugePages?(memory: ArrayBuffer, limitBytes: number): number;
  /**
   * Faults in `memory`'s pages `[offset, offset + bytes)` off the main thread without changing their contents
   * (madvise(MADV_POPULATE_WRITE), Linux 5.14+; native/src/heap_pages.h). Resolves with the bytes populated: 0 where
   * the kernel cannot. Absent in addons built before it.
   */
  populateHeap?(memory: ArrayBuffer, offset: number, bytes: number): Promise<number>;
}
