// Matrix × vector products for the layer mix (BertConcat): memory-bound, so the point is to stream the matrix once
// on every core (tfjs-wasm runs them on one core).
#pragma once
#include <cstddef>

#include "thread_pool.h"

namespace bertvision {

/** y[m] = Σ_k A[m, k] · x[k] for A stored [M, K] row-major. AVX2/FMA; the caller checks the CPU. */
void matVecAvx2(const float* A, const float* x, float* y, size_t M, size_t K, ThreadPool& pool);

/**
 * y[m] = Σ_k A[k, m] · x[k] for A stored [K, M] row-major (a transposed matrix × vector), M ≤ kMaxTransposedRows.
 * AVX2/FMA; the caller checks the CPU.
 */
void transposedMatVecAvx2(const float* A, const float* x, float* y, size_t K, size_t M, ThreadPool& pool);

/** Widest M transposedMatVecAvx2 takes (its accumulators live in registers). */
constexpr size_t kMaxTransposedRows = 64;

}  // namespace bertvision
