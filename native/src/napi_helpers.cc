// Node-API helpers shared by the addon's translation units.
#include "napi_helpers.h"

#include <cmath>

namespace bertvision {

bool cpuHasAvx2Fma() {
#if defined(__x86_64__) || defined(_M_X64)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

bool cpuHasAvx512Bf16() {
#if (defined(__x86_64__) || defined(_M_X64)) && !defined(BERTVISION_NO_BF16)
  // libgcc's checks include the OS saving the zmm state (XCR0); the kernel also needs AVX-512 F, BW and VL
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
  return has;
#else
  return false;
#endif
}

napi_value throwError(napi_env env, const std::string& message) {
  napi_throw_error(env, "E_NATIVE", message.c_str());
  return nullptr;
}

/** Reads `count` arguments; false (with a JS exception pending) when fewer were passed. */
bool readArguments(napi_env env, napi_callback_info info, size_t count, napi_value* args) {
  size_t given = count;
  if (napi_get_cb_info(env, info, &given, args, nullptr, nullptr) != napi_ok || given < count) {
    napi_throw_type_error(env, "E_NATIVE", "too few arguments");
    return false;
  }
  return true;
}

bool readNumber(napi_env env, napi_value value, double& out) {
  if (napi_get_value_double(env, value, &out) == napi_ok) return true;
  napi_throw_type_error(env, "E_NATIVE", "expected a number");
  return false;
}

/** The bytes of a typed array or DataView. */
bool readView(napi_env env, napi_value value, uint8_t*& data, size_t& bytes) {
  bool isTyped = false;
  napi_is_typedarray(env, value, &isTyped);
  if (isTyped) {
    napi_typedarray_type type;
    size_t length;
    void* pointer;
    napi_value buffer;
    size_t byteOffset;
    if (napi_get_typedarray_info(env, value, &type, &length, &pointer, &buffer, &byteOffset) != napi_ok) return false;
    static const size_t kElementBytes[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
    data = static_cast<uint8_t*>(pointer);
    bytes = length * (static_cast<size_t>(type) < 11 ? kElementBytes[type] : 1);
    return true;
  }
  napi_throw_type_error(env, "E_NATIVE", "expected a typed array");
  return false;
}

bool readArrayBuffer(napi_env env, napi_value value, const std::string& kernel, void*& data, size_t& bytes) {
  if (napi_get_arraybuffer_info(env, value, &data, &bytes) == napi_ok) return true;
  throwError(env, kernel + ": expected an ArrayBuffer");
  return false;
}

bool checkAlignedOffsets(napi_env env, const double* offsets, int count, const std::string& prefix) {
  for (int i = 0; i < count; ++i) {
    const double v = offsets[i];
    if (!(v >= 0) || v != std::floor(v) || std::fmod(v, 4.0) != 0) {
      throwError(env, prefix + "byte offsets must be non-negative multiples of 4");
      return false;
    }
  }
  return true;
}

bool checkDimensions(napi_env env, const double* dims, const char* const* names, int count,
                     std::initializer_list<int> atLeastOne, const std::string& prefix) {
  for (int i = 0; i < count; ++i) {
    if (!(dims[i] >= 0) || dims[i] != std::floor(dims[i]) || dims[i] > 2147483647.0) {
      throwError(env, prefix + "bad dimensions (" + names[i] + " must be a non-negative integer below 2^31)");
      return false;
    }
  }
  for (int i : atLeastOne) {
    if (dims[i] < 1) {
      throwError(env, prefix + "bad dimensions (" + names[i] + " must be at least 1)");
      return false;
    }
  }
  return true;
}

bool readHeapArguments(napi_env env, const char* kernel, napi_value* args, size_t pointers, uint8_t*& base, double* offsets, size_t& count) {
  size_t memoryBytes;
  void* memory;
  if (!readArrayBuffer(env, args[0], kernel, memory, memoryBytes)) return false;
  double n;
  for (size_t i = 0; i < pointers; ++i) {
    if (!readNumber(env, args[i + 1], offsets[i])) return false;
  }
  if (!readNumber(env, args[pointers + 1], n)) return false;
  for (size_t i = 0; i < pointers; ++i) {
    if (n < 0 || offsets[i] < 0 || offsets[i] + 4 * n > static_cast<double>(memoryBytes)) {
      napi_throw_range_error(env, "E_NATIVE", (std::string(kernel) + ": out of bounds").c_str());
      return false;
    }
  }
  base = static_cast<uint8_t*>(memory);
  count = static_cast<size_t>(n);
  return true;
}


}  // namespace bertvision
