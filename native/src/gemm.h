// Single-precision matrix multiplication for the native backend.
#pragma once

#include "thread_pool.h"

namespace bertvision {

/**
 * C[b] = op(A[b]) · op(B[b]) for b in [0, batch), row-major float32, overwriting C (not accumulating).
 * op(A) is [M, K]: A stored [M, K] (lda = K) or, when transA, stored [K, M] (lda = M).
 * op(B) is [K, N]: B stored [K, N] or, when transB, stored [N, K].
 * C is [M, N] (ldc = N). strideA/strideB/strideC: elements between consecutive batch entries; 0 means the same matrix for every b (broadcast).
 * Uses pool for parallelism. Pointers need no particular alignment. M, N, K >= 1 (K may be small, e.g. 1).
 *
 * Requires a CPU with AVX2 and FMA (the caller checks). Safe to call from
 * several threads at once: packing buffers are thread_local, and the pool
 * serialises its jobs. C must not overlap A or B. Each thread that runs GEMM
 * work keeps its packing buffers for its lifetime: at most 288 KiB per
 * thread, plus up to 2 MiB on each calling thread. A long sum behind a small C
 * (a kernel gradient: at least 12 depth blocks, N <= 1024, M·N <= 2^20) is cut
 * into up to 8 segments by its shape (so the bits do not depend on the thread
 * count): then every thread keeps up to 2 MiB more, and the calling thread up
 * to 28 MiB of partial sums.
 */
void sgemmAvx2(int batch, int M, int N, int K,
               const float* A, long long strideA, bool transA,
               const float* B, long long strideB, bool transB,
               float* C, long long strideC, ThreadPool& pool);

/**
 * Where A's stored columns lie when they are grouped: stored element (s, t) at A[s*ld + (t / group)*groupStride +
 * t % group]. A layer-last activation batch X [n, E, L] is then the stored matrix [E, n·L] (ld = L, group = L,
 * groupStride = E·L): op(A) = X as [E, n·L] rows (transA false) or its transpose, the rows [n·L, E] (transA true),
 * without moving X. ld is the stored row stride (K for op(A) = A, M for op(A) = Aᵀ in the plain layout).
 */
struct GroupedColumns {
  long long ld;
  int group;
  long long groupStride;
};

/**
 * C = op(A) · op(B) (batch 1) with A's columns grouped as described by `layout`, plus bias[n] on every row of C when
 * bias is not null (added as the first depth block sets C: no extra pass); otherwise as sgemmAvx2.
 */
void sgemmAvx2GroupedA(int M, int N, int K, const float* A, GroupedColumns layout, bool transA,
                       const float* B, bool transB, float* C, ThreadPool& pool, const float* bias = nullptr);

/** Width of op(B)'s packed column panels: the micro-kernel's columns. */
constexpr int kGemmPanelColumns = 16;

/** How many depth blocks the GEMM cuts a depth K into (balanced blocks of at most 512; 1 for K <= 512). */
int gemmDepthBlocks(int K);

/**
 * An op(B) that is computed as it is packed instead of read from memory (e.g. a gradient that only the product
 * needs). The GEMM calls pack once for every (depth block, column) of B, from several threads at once: for disjoint
 * column ranges of one block, or, when a long depth is summed in segments (a small C), for whole different blocks.
 */
class PackedBSource {
 public:
  virtual ~PackedBSource() = default;
  /**
   * Writes op(B)[k0 : k0+kc, col0 : col0+cols] (depth block `block` of gemmDepthBlocks(K)) as ceil(cols / 16)
   * panels of kc x 16 floats, element (k, j) of a panel at k*16 + j, columns past `cols` zero; dst is 32-byte aligned.
   */
  virtual void pack(int block, int k0, int kc, int col0, int cols, float* dst) const = 0;
};

/** C = op(A) · B (batch 1, no bias) with A grouped as in sgemmAvx2GroupedA and B produced by `b`. */
void sgemmAvx2GroupedAWithSource(int M, int N, int K, const float* A, GroupedColumns layout, bool transA,
                                 const PackedBSource& b, float* C, ThreadPool& pool);

/**
 * The same product (same arguments, layouts, batching and thread-safety) with A and B rounded to bfloat16 (round to
 * nearest even) as they are packed, multiplied with AVX-512 BF16 dot products (vdpbf16ps) and accumulated in float32:
 * each entry of C is the float32 sum of exact products of the rounded operands (gemm_bf16_avx512.cc). Requires a CPU
 * with AVX-512 F/BW/VL and BF16 (the caller checks: cpuHasAvx512Bf16()). At most 288 KiB of packing buffers per
 * thread, plus up to 1 MiB on each calling thread.
 */
void sgemmBf16Avx512(int batch, int M, int N, int K,
                     const float* A, long long strideA, bool transA,
                     const float* B, long long strideB, bool transB,
                     float* C, long long strideC, ThreadPool& pool);

}  // namespace bertvision
