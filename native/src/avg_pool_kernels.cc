// The average-pooling gradient working in place on the WebAssembly backend's heap (see avg_pool.h).
#include <string>

#include "avg_pool.h"
#include "napi_helpers.h"
#include "thread_pool.h"

namespace bertvision {
namespace {

const char* const kAvgPoolDims[12] = {"batch", "inH",  "inW",     "C",       "outH",   "outW",
                                      "kh",    "kw",   "strideH", "strideW", "padTop", "padLeft"};

/**
 * avgPoolGrad(memory, dyByteOffset, dxByteOffset, batch, inH, inW, C, outH, outW, kh, kw, strideH, strideW, padTop,
 * padLeft): float32 inside `memory` (see avg_pool.h). Every value must be a non-negative integer (dimensions below
 * 2^31; window and strides at least 1, padding below the window), the offsets 4-byte aligned, both ranges inside the
 * buffer and apart.
 */
napi_value AvgPoolGrad(napi_env env, napi_callback_info info) {
  const std::string prefix = "avgPoolGrad: ";
  napi_value args[15];
  if (!readArguments(env, info, 15, args)) return nullptr;
  void* memory;
  size_t memoryBytes;
  if (!readArrayBuffer(env, args[0], "avgPoolGrad", memory, memoryBytes)) return nullptr;
  double v[14];
  for (int i = 0; i < 14; ++i) {
    if (!readNumber(env, args[i + 1], v[i])) return nullptr;
  }
  if (!checkAlignedOffsets(env, v, 2, prefix)) return nullptr;
  const double* d = v + 2;
  if (!checkDimensions(env, d, kAvgPoolDims, 12, {6, 7, 8, 9}, prefix)) return nullptr;  // window, strides
  if (d[10] >= d[6] || d[11] >= d[7]) return throwError(env, prefix + "bad dimensions (padding must be below the window)");
  const double dxBytes = 4 * d[0] * d[1] * d[2] * d[3], dyBytes = 4 * d[0] * d[4] * d[5] * d[3];
  if (v[0] + dyBytes > static_cast<double>(memoryBytes) || v[1] + dxBytes > static_cast<double>(memoryBytes)) {
    return throwError(env, prefix + "out of bounds");
  }
  if (dxBytes > 0 && dyBytes > 0 && v[0] < v[1] + dxBytes && v[1] < v[0] + dyBytes) {
    return throwError(env, prefix + "the output overlaps the input");
  }
  AvgPoolGeometry g{};
  size_t* fields[12] = {&g.batch, &g.inH, &g.inW,     &g.C,       &g.outH,   &g.outW,
                        &g.kh,    &g.kw,  &g.strideH, &g.strideW, &g.padTop, &g.padLeft};
  for (int i = 0; i < 12; ++i) *fields[i] = static_cast<size_t>(d[i]);
  auto* base = static_cast<uint8_t*>(memory);
  avgPoolGrad(reinterpret_cast<const float*>(base + static_cast<size_t>(v[0])),
              reinterpret_cast<float*>(base + static_cast<size_t>(v[1])), g, globalPool());
  return nullptr;
}

}  // namespace

void defineAvgPoolKernels(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"avgPoolGrad", nullptr, AvgPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
}

}  // namespace bertvision
