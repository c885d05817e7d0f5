// The optimizer kernels that work in place on the WebAssembly backend's heap: one fused Adam step per variable.
#include "adam.h"
#include "napi_helpers.h"
#include "thread_pool.h"

namespace bertvision {
namespace {

/**
 * adamUpdate(memory, wByteOffset, gByteOffset, mByteOffset, vByteOffset, wOutByteOffset, mOutByteOffset,
 * vOutByteOffset, count, coefficients: Float32Array(8)): one Adam step (see adam.h) over `count` float32s inside
 * `memory` (the wasm heap), on every pool thread. The coefficients are β1, 1−β1, β2, 1−β2, 1−β1ᵗ, 1−β2ᵗ, ε, −lr.
 */
napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  napi_value args[10];
  if (!readArguments(env, info, 10, args)) return nullptr;
  if (!cpuHasAvx2Fma()) return throwError(env, "adamUpdate: this CPU lacks AVX2/FMA");
  uint8_t* base;
  double at[7];
  size_t count;
  if (!readHeapArguments(env, "adamUpdate", args, 7, base, at, count)) return nullptr;
  uint8_t* coefficientBytes;
  size_t coefficientLength;
  if (!readView(env, args[9], coefficientBytes, coefficientLength)) return nullptr;
  if (coefficientLength != 8 * sizeof(float)) return throwError(env, "adamUpdate: expected 8 float32 coefficients");
  const auto* k = reinterpret_cast<const float*>(coefficientBytes);
  const AdamCoefficients c{k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]};
#if defined(__x86_64__) || defined(_M_X64)
  auto array = [&](int i) { return reinterpret_cast<float*>(base + static_cast<size_t>(at[i])); };
  const float *w = array(0), *g = array(1), *m = array(2), *v = array(3);
  float *wOut = array(4), *mOut = array(5), *vOut = array(6);
  runElementwise(globalPool(), count, [&](size_t begin, size_t n) {
    adamUpdateAvx(w + begin, g + begin, m + begin, v + begin, wOut + begin, mOut + begin, vOut + begin, n, c);
  });
#endif
  return nullptr;
}

}  // namespace

void defineOptimizerKernels(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"adamUpdate", nullptr, AdamUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
}

}  // namespace bertvision
