// The addon's fused adapter span head (adapter_head.h) on the WebAssembly backend's heap: its forward logits and its
// weight gradients.
#include <cstdint>
#include <initializer_list>
#include <string>

#include "adapter_head.h"
#include "napi_helpers.h"
#include "thread_pool.h"

namespace bertvision {
namespace {

/**
 * Reads args[0] (the heap), `count` byte offsets and then `dimCount` dimensions (those in `atLeastOne` at least 1), and checks that the
 * float32 array at offset i holds `elements(dims)[i]` values inside the heap; false with a JS Error naming `kernel`.
 */
template <typename Elements>
bool readHeadArguments(napi_env env, napi_value* args, const char* kernel, int count, const char* const* dimNames,
                       int dimCount, std::initializer_list<int> atLeastOne, Elements elements, uint8_t*& base,
                       double* offsets, double* dims) {
  void* memory;
  size_t memoryBytes;
  if (!cpuHasAvx2Fma()) {
    throwError(env, std::string(kernel) + ": this CPU lacks AVX2/FMA");
    return false;
  }
  if (!readArrayBuffer(env, args[0], kernel, memory, memoryBytes)) return false;
  for (int i = 0; i < count; ++i) {
    if (!readNumber(env, args[i + 1], offsets[i])) return false;
  }
  for (int i = 0; i < dimCount; ++i) {
    if (!readNumber(env, args[count + 1 + i], dims[i])) return false;
  }
  const std::string prefix = std::string(kernel) + ": ";
  if (!checkAlignedOffsets(env, offsets, count, prefix)) return false;
  if (!checkDimensions(env, dims, dimNames, dimCount, atLeastOne, prefix)) return false;
  double sizes[8];
  elements(dims, sizes);
  for (int i = 0; i < count; ++i) {
    if (sizes[i] > 2147483647.0 || offsets[i] + 4 * sizes[i] > static_cast<double>(memoryBytes)) {
      throwError(env, prefix + "out of bounds");
      return false;
    }
  }
  base = static_cast<uint8_t*>(memory);
  return true;
}

/**
 * adapterHeadForward(memory, zByteOffset, wByteOffset, bByteOffset, outByteOffset, n, L, A): the fused span head's
 * logits out [n, 2] from the adapter projection z [n·L, A], the head kernel w [A·L, 2] and bias b [2].
 */
napi_value AdapterHeadForward(napi_env env, napi_callback_info info) {
  napi_value args[8];
  if (!readArguments(env, info, 8, args)) return nullptr;
  static const char* const names[] = {"n", "L", "A"};
  uint8_t* base;
  double offsets[4], d[3];
  const auto elements = [](const double* v, double* s) {
    s[0] = v[0] * v[1] * v[2];  // z
    s[1] = v[2] * v[1] * kAdapterHeadUnits;  // w
    s[2] = kAdapterHeadUnits;  // b
    s[3] = v[0] * kAdapterHeadUnits;  // out
  };
  if (!readHeadArguments(env, args, "adapterHeadForward", 4, names, 3, {0, 1, 2}, elements, base, offsets, d)) return nullptr;
#if defined(__x86_64__) || defined(_M_X64)
  const auto at = [&](int i) { return reinterpret_cast<float*>(base + static_cast<size_t>(offsets[i])); };
  adapterGeluTanhHeadForwardAvx2(static_cast<int>(d[0]), static_cast<int>(d[1]), static_cast<int>(d[2]), at(0), at(1),
                                 at(2), at(3), globalPool());
#endif
  return nullptr;
}

/**
 * adapterHeadGradients(memory, x, z, dOut, w, dWa, dba, dw, db (byte offsets), n, E, L, A): the fused span head's
 * weight gradients (adapter_head.h) for x [n, E, L], z [n·L, A], dOut [n, 2], w [A·L, 2] → dWa [E, A], dba [A],
 * dw [A·L, 2], db [2].
 */
napi_value AdapterHeadGradients(napi_env env, napi_callback_info info) {
  napi_value args[13];
  if (!readArguments(env, info, 13, args)) return nullptr;
  static const char* const names[] = {"n", "E", "L", "A"};
  uint8_t* base;
  double offsets[8], d[4];
  const auto elements = [](const double* v, double* s) {
    const double n = v[0], E = v[1], L = v[2], A = v[3];
    const double sizes[8] = {n * E * L, n * L * A, n * kAdapterHeadUnits, A * L * kAdapterHeadUnits,
                             E * A,     A,         A * L * kAdapterHeadUnits, kAdapterHeadUnits};
    for (int i = 0; i < 8; ++i) s[i] = sizes[i];
  };
  if (!readHeadArguments(env, args, "adapterHeadGradients", 8, names, 4, {0, 1, 2, 3}, elements, base, offsets, d)) return nullptr;
  if (d[0] * d[2] > 2147483647.0) return throwError(env, "adapterHeadGradients: bad dimensions (n·L must be below 2^31)");
#if defined(__x86_64__) || defined(_M_X64)
  const auto at = [&](int i) { return reinterpret_cast<float*>(base + static_cast<size_t>(offsets[i])); };
  adapterGeluTanhHeadGradientsAvx2(static_cast<int>(d[0]), static_cast<int>(d[1]), static_cast<int>(d[2]),
                                   static_cast<int>(d[3]), at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7),
                                   globalPool());
#endif
  return nullptr;
}

}  // namespace

void defineAdapterHeadKernels(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"adapterHeadForward", nullptr, AdapterHeadForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adapterHeadGradients", nullptr, AdapterHeadGradients, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
}

}  // namespace bertvision
