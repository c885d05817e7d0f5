// GELU (tanh approximation) forward and backward, fused into one pass each (the layer's activation and its gradient
// are otherwise ~10 separate elementwise kernels over the adapter's output).
#pragma once
#include <cstddef>

namespace bertvision {

/** y = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). AVX2/FMA; the caller checks the CPU. */
void geluTanhForwardAvx2(const float* x, float* y, size_t count);

/** dx = dy · d/dx GELU(x). AVX2/FMA; the caller checks the CPU. */
void geluTanhBackwardAvx2(const float* x, const float* dy, float* dx, size_t count);

}  // namespace bertvision
