// Matrix products with few output columns or a short inner dimension: a position-wise Dense(2) over wide features
// (a span head's start/end logits), its kernel gradient Xᵀ·dy and its input gradient dy·Wᵀ. They are memory-bound:
// the GEMM's 6 × 16 register tiles and packing waste most of their work on them, so these kernels stream the wide
// operand once on every core instead.
#pragma once
#include <cstddef>

#include "thread_pool.h"

namespace bertvision {

/** Most output columns (N) of a few-columns product. */
constexpr size_t kSkinnyMaxColumns = 8;
/** Longest inner dimension (K) of a short-inner product. */
constexpr size_t kSkinnyMaxInner = 8;
/** Most output entries (M·N) of a few-columns product with a transposed A (each pool task sums into a copy of C). */
constexpr size_t kSkinnyMaxTransposedOutputs = 1u << 16;

/** Whether an [M, ·] × [·, N] product runs as a few-columns product (else it needs K ≤ kSkinnyMaxInner). */
inline bool skinnyColumnsForm(size_t M, size_t N, bool transA) {
  return N <= kSkinnyMaxColumns && (!transA || M * N <= kSkinnyMaxTransposedOutputs);
}

/**
 * Whether skinnyProductAvx2 takes an [M, K] × [K, N] product with A transposed or not: N ≤ kSkinnyMaxColumns (with
 * M·N ≤ kSkinnyMaxTransposedOutputs when transA), or K ≤ kSkinnyMaxInner.
 */
inline bool skinnyProductFits(size_t M, size_t N, size_t K, bool transA) {
  return M > 0 && K > 0 && N > 0 && (skinnyColumnsForm(M, N, transA) || K <= kSkinnyMaxInner);
}

/**
 * C[b] = op(A[b])·op(B[b]) (+ bias[n] on every row when bias is not null) for b in [0, batch), with the layouts and
 * strides of sgemmAvx2 (gemm.h; stride 0 broadcasts). The shape must fit (skinnyProductFits). AVX2/FMA; the caller
 * checks the CPU. Sums run in a fixed order for given shapes (independent of the number of threads).
 */
void skinnyProductAvx2(size_t batch, size_t M, size_t N, size_t K, const float* A, long long strideA, bool transA,
                       const float* B, long long strideB, bool transB, const float* bias, float* C,
                       long long strideC, ThreadPool& pool);

}  // namespace bertvision
