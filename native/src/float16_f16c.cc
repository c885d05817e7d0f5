// F16C float16 decoding (compiled with -mavx -mf16c; x86-64 only). vcvtph2ps quiets signalling NaNs, NumPy keeps
// them as they are: blocks holding one are decoded by the portable decoder instead, so results stay bit-identical to NumPy.
#include <immintrin.h>

#include <cstdint>

#include "float16.h"

namespace bertvision {

namespace {

/** True when any of the 8 halves is a signalling NaN (exponent all ones, fraction non-zero, quiet bit clear). */
inline bool hasSignallingNan(__m128i halves) {
  const __m128i exponentAndQuiet = _mm_and_si128(halves, _mm_set1_epi16(0x7e00));
  const __m128i looksSignalling = _mm_cmpeq_epi16(exponentAndQuiet, _mm_set1_epi16(0x7c00));
  const __m128i fractionLow = _mm_and_si128(halves, _mm_set1_epi16(0x01ff));
  const __m128i fractionZero = _mm_cmpeq_epi16(fractionLow, _mm_setzero_si128());
  return _mm_movemask_epi8(_mm_andnot_si128(fractionZero, looksSignalling)) != 0;
}

template <bool Streaming>
void decodeBlocks(const uint16_t* src, float* dst, size_t count) {
  size_t i = 0;
  if (Streaming) {
    // non-temporal stores need 32-byte aligned destinations: decode the head normally
    while (i < count && (reinterpret_cast<uintptr_t>(dst + i) & 31u) != 0) {
      decodeFloat16Scalar(src + i, dst + i, 1);
      ++i;
    }
  }
  for (; i + 8 <= count; i += 8) {
    const __m128i halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    __m256 floats = _mm256_cvtph_ps(halves);
    if (hasSignallingNan(halves)) {
      alignas(32) float exact[8];
      decodeFloat16Scalar(src + i, exact, 8);
      floats = _mm256_load_ps(exact);
    }
    if (Streaming) {
      _mm256_stream_ps(dst + i, floats);
    } else {
      _mm256_storeu_ps(dst + i, floats);
    }
  }
  decodeFloat16Scalar(src + i, dst + i, count - i);
}

}  // namespace

void decodeFloat16F16c(const uint16_t* src, float* dst, size_t count, bool streaming) {
  if (streaming) {
    decodeBlocks<true>(src, dst, count);
  } else {
    decodeBlocks<false>(src, dst, count);
  }
}

void finishStreaming() { _mm_sfence(); }

}  // namespace bertvision
