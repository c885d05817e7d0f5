// Lane helpers shared by the AVX2 kernels (include only from units compiled with -mavx2).
#pragma once
#include <immintrin.h>

#include <cstddef>

namespace bertvision {

/** Lanes [0, n) set, for masked loads and stores of a row tail (n ≤ 8). */
inline __m256i tailMask(size_t n) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), lanes);
}

/** The sum of the eight lanes. */
inline float horizontalSum(__m256 v) {
  const __m128 pair = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 quad = _mm_add_ps(pair, _mm_movehl_ps(pair, pair));
  return _mm_cvtss_f32(_mm_add_ss(quad, _mm_shuffle_ps(quad, quad, 1)));
}

}  // namespace bertvision
