// The tanh-GELU and its derivative on eight float32 lanes (AVX2/FMA), shared by the fused GELU kernels
// (gelu_avx2.cc) and the adapter gradients that apply the derivative as they pack a GEMM operand
// (adapter_gradients_avx2.cc), so that both compute every value the same way. Include only from files compiled with
// -mavx2 -mfma. tanh(u) = 1 − 2/(e^{2u} + 1), with e^v from a degree-6 polynomial after reducing v = n·ln2 + r
// (|r| ≤ ln2/2), accurate to about 2 ulp of float32.
#pragma once
#include <immintrin.h>

namespace bertvision {
namespace gelu_lanes {

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kCubic = 0.044715f;

/** e^v for v in [-88, 88] (clamped), 8 lanes. */
static inline __m256 exp8(__m256 v) {
  v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // r = v − n·ln2, with ln2 split in two parts for precision
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), v);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(exponent));
}

/** tanh(u), 8 lanes. */
static inline __m256 tanh8(__m256 u) {
  const __m256 e = exp8(_mm256_add_ps(u, u));
  return _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
}

/** u = √(2/π)·(x + 0.044715·x³), 8 lanes. */
static inline __m256 inner8(__m256 x) {
  const __m256 x2 = _mm256_mul_ps(x, x);
  return _mm256_mul_ps(_mm256_set1_ps(kSqrt2OverPi), _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(kCubic), x2), x, x));
}

/** GELU of 8 lanes. */
static inline __m256 gelu8(__m256 v) {
  const __m256 t = tanh8(inner8(v));
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(_mm256_set1_ps(1.0f), t));
}

/**
 * GELU(v) into `y` and GELU'(v) = 0.5·(1 + t) + 0.5·v·(1 − t²)·√(2/π)·(1 + 3·0.044715·v²) into `g`, 8 lanes, from one
 * tanh t.
 */
static inline void geluWithDerivative8(__m256 v, __m256& y, __m256& g) {
  const __m256 half = _mm256_set1_ps(0.5f);
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 t = tanh8(inner8(v));
  const __m256 halfV = _mm256_mul_ps(half, v);
  y = _mm256_mul_ps(halfV, _mm256_add_ps(one, t));
  const __m256 du = _mm256_mul_ps(_mm256_set1_ps(kSqrt2OverPi), _mm256_fmadd_ps(_mm256_set1_ps(3.0f * kCubic), _mm256_mul_ps(v, v), one));
  g = _mm256_fmadd_ps(_mm256_mul_ps(halfV, _mm256_fnmadd_ps(t, t, one)), du, _mm256_mul_ps(half, _mm256_add_ps(one, t)));
}

/** dy · GELU'(v), 8 lanes (the value the compiler drops). */
static inline __m256 geluGrad8(__m256 v, __m256 dy) {
  __m256 y, g;
  geluWithDerivative8(v, y, g);
  return _mm256_mul_ps(g, dy);
}

}  // namespace gelu_lanes
}  // namespace bertvision
