// GELU (tanh approximation) forward and backward, fused into one pass each (the layer's activation and its gradient
// are otherwise ~10 separate elementwise kernels over the adapter's output).
#pragma once
#include <cstddef>

#include "thread_pool.h"

namespace bertvision {

/** y = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). AVX2/FMA; the caller checks the CPU. */
void geluTanhForwardAvx2(const float* x, float* y, size_t count);

/** dx = dy · d/dx GELU(x). AVX2/FMA; the caller checks the CPU. */
void geluTanhBackwardAvx2(const float* x, const float* dy, float* dx, size_t count);

/**
 * y = GELU(x) with each of the `blocks` [rows, cols] blocks of x written transposed: y[b][c][r] = GELU(x[b][r][c])
 * (the AdapterPooler's `[n, L, A]` → `[n, A, L]`), one pass instead of the activation and then a transpose. Blocks are
 * split over `pool`. AVX2/FMA; the caller checks the CPU.
 */
void geluTanhForwardTransposedAvx2(const float* x, float* y, size_t blocks, size_t rows, size_t cols, ThreadPool& pool);

/**
 * geluTanhForwardTransposedAvx2's y, and also g = GELU'(x) in x's own layout: what a backward pass needs instead of x
 * (its gradient is then dy transposed times g), computed from the forward's tanh. AVX2/FMA; the caller checks the CPU.
 */
void geluTanhForwardTransposedWithDerivativeAvx2(const float* x, float* y, float* g, size_t blocks, size_t rows,
                                                 size_t cols, ThreadPool& pool);

/** dx[b][r][c] = dy[b][c][r] · GELU'(x[b][r][c]): the gradient of geluTanhForwardTransposedAvx2. */
void geluTanhBackwardTransposedAvx2(const float* x, const float* dy, float* dx, size_t blocks, size_t rows,
                                    size_t cols, ThreadPool& pool);

}  // namespace bertvision
