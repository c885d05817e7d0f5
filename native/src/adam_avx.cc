// The fused Adam step (compiled with -mavx -ffp-contract=off: every product and sum is rounded on its own, as tfjs'
// separate kernels round them).
#include <immintrin.h>

#include <cmath>

#include "adam.h"

namespace bertvision {

void adamUpdateAvx(const float* w, const float* g, const float* m, const float* v, float* wOut, float* mOut,
                   float* vOut, size_t count, const AdamCoefficients& c) {
  const __m256 beta1 = _mm256_set1_ps(c.beta1), oneMinusBeta1 = _mm256_set1_ps(c.oneMinusBeta1);
  const __m256 beta2 = _mm256_set1_ps(c.beta2), oneMinusBeta2 = _mm256_set1_ps(c.oneMinusBeta2);
  const __m256 correction1 = _mm256_set1_ps(c.oneMinusAccBeta1), correction2 = _mm256_set1_ps(c.oneMinusAccBeta2);
  const __m256 epsilon = _mm256_set1_ps(c.epsilon), negativeLearningRate = _mm256_set1_ps(c.negativeLearningRate);
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256 gi = _mm256_loadu_ps(g + i);
    const __m256 mi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(m + i), beta1), _mm256_mul_ps(gi, oneMinusBeta1));
    const __m256 vi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(v + i), beta2),
                                    _mm256_mul_ps(_mm256_mul_ps(gi, gi), oneMinusBeta2));
    const __m256 mHat = _mm256_div_ps(mi, correction1);
    const __m256 vHat = _mm256_div_ps(vi, correction2);
    const __m256 step = _mm256_div_ps(mHat, _mm256_add_ps(_mm256_sqrt_ps(vHat), epsilon));
    const __m256 wi = _mm256_add_ps(_mm256_mul_ps(step, negativeLearningRate), _mm256_loadu_ps(w + i));
    _mm256_storeu_ps(mOut + i, mi);
    _mm256_storeu_ps(vOut + i, vi);
    _mm256_storeu_ps(wOut + i, wi);
  }
  for (; i < count; ++i) {
    const float gi = g[i];
    const float mi = m[i] * c.beta1 + gi * c.oneMinusBeta1;
    const float vi = v[i] * c.beta2 + (gi * gi) * c.oneMinusBeta2;
    const float step = (mi / c.oneMinusAccBeta1) / (std::sqrt(vi / c.oneMinusAccBeta2) + c.epsilon);
    const float wi = step * c.negativeLearningRate + w[i];
    mOut[i] = mi;
    vOut[i] = vi;
    wOut[i] = wi;
  }
}

}  // namespace bertvision
