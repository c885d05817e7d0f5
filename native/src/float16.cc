// Portable float16 decoding and the CPU dispatch (compiled without ISA flags).
#include "float16.h"

#include <cstring>

namespace bertvision {

namespace {

/** float32 bit pattern of one float16 bit pattern, as NumPy's npy_halfbits_to_floatbits computes it. */
uint32_t halfBitsToFloatBits(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = h & 0x7c00u;
  uint32_t fraction = h & 0x03ffu;
  if (exponent == 0x7c00u) return sign | 0x7f800000u | (fraction << 13);  // inf, or NaN keeping its payload
  if (exponent != 0) return sign | ((static_cast<uint32_t>(h & 0x7fffu) + 0x1c000u) << 13);
  if (fraction == 0) return sign;  // ±0
  // subnormal half: normalise
  int shift = 0;
  while ((fraction & 0x0400u) == 0) {
    fraction <<= 1;
    ++shift;
  }
  const uint32_t e = static_cast<uint32_t>(127 - 15 - shift + 1);
  return sign | (e << 23) | ((fraction & 0x03ffu) << 13);
}

}  // namespace

void decodeFloat16Scalar(const uint16_t* src, float* dst, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    const uint32_t bits = halfBitsToFloatBits(src[i]);
    std::memcpy(dst + i, &bits, sizeof bits);
  }
}

#if defined(__x86_64__) || defined(_M_X64)
bool cpuHasF16c() {
  static const bool has = __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx");
  return has;
}
#else
bool cpuHasF16c() { return false; }
void decodeFloat16F16c(const uint16_t* src, float* dst, size_t count, bool) { decodeFloat16Scalar(src, dst, count); }
void finishStreaming() {}
#endif

void decodeFloat16(const uint16_t* src, float* dst, size_t count, bool streaming) {
  if (cpuHasF16c()) {
    decodeFloat16F16c(src, dst, count, streaming);
  } else {
    decodeFloat16Scalar(src, dst, count);
  }
}

}  // namespace bertvision
