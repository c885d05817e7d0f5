// float16 → float32 decoding, bit-identical to NumPy's astype(float32) (NaN payloads included).
#pragma once
#include <cstddef>
#include <cstdint>

namespace bertvision {

/** Portable decoder (any CPU). */
void decodeFloat16Scalar(const uint16_t* src, float* dst, size_t count);

/**
 * F16C decoder; call only when the CPU has F16C and AVX (see cpuHasF16c()). `streaming` writes the output with
 * non-temporal stores (for outputs much larger than the caches; the caller fences with finishStreaming()).
 */
void decodeFloat16F16c(const uint16_t* src, float* dst, size_t count, bool streaming);

/** Orders this thread's non-temporal stores before later loads/stores (sfence); no-op where not x86. */
void finishStreaming();

/** Whether the CPU has F16C (and AVX, which its 256-bit form needs). */
bool cpuHasF16c();

/** Decodes `count` halves with the fastest decoder this CPU has. */
void decodeFloat16(const uint16_t* src, float* dst, size_t count, bool streaming);

}  // namespace bertvision
