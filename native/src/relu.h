// The ReLU gradient in one pass (tfjs computes it as Step, then a multiply: two passes over the activations).
#pragma once
#include <cstddef>

namespace bertvision {

/** dx = dy · step(x), step(x) = NaN for NaN, 1 for x > 0, else 0: tfjs' reluGradConfig, bit for bit. */
void reluGradient(const float* x, const float* dy, float* dx, size_t count);

}  // namespace bertvision
