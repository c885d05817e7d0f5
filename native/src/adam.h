// One Adam step over one variable in a single pass (tfjs' AdamOptimizer runs 13 elementwise kernels for it, each
// reading and writing arrays as large as the variable).
#pragma once
#include <cstddef>

namespace bertvision {

/** The float32 scalars of one Adam step; the caller rounds them to float32 as tfjs' scalar tensors are. */
struct AdamCoefficients {
  float beta1;
  float oneMinusBeta1;
  float beta2;
  float oneMinusBeta2;
  /** 1 − β1ᵗ and 1 − β2ᵗ, the bias corrections of step t. */
  float oneMinusAccBeta1;
  float oneMinusAccBeta2;
  float epsilon;
  float negativeLearningRate;
};

/**
 * tfjs' AdamOptimizer.applyGradients for one variable, each operation rounded to float32 in tfjs' order (no fused
 * multiply-add, so the results are bit-identical to its kernels):
 *   m' = m·β1 + g·(1−β1),  v' = v·β2 + (g·g)·(1−β2),
 *   w' = ((m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε))·(−lr) + w.
 * Each output may be the same array as its input. AVX; the caller checks the CPU.
 */
void adamUpdateAvx(const float* w, const float* g, const float* m, const float* v, float* wOut, float* mOut,
                   float* vOut, size_t count, const AdamCoefficients& c);

}  // namespace bertvision
