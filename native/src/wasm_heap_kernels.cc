// The addon's elementwise and layout kernels that work in place on the WebAssembly backend's heap: tanh-GELU and the
// ReLU gradient, transposes, column sums and the depthwise convolution gradients (the products: product_kernels.cc).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "gelu.h"
#include "relu.h"
#include "napi_helpers.h"
#include "column_sums.h"
#include "depthwise_gradients.h"
#include "thread_pool.h"
#include "transpose.h"

namespace bertvision {
namespace {

/**
 * Reads the `rows, cols` that follow the count of a transposed GELU call (args[at], args[at + 1]) and checks that
 * the count is a whole number of rows x cols blocks.
 */
bool readBlockShape(napi_env env, napi_value* args, size_t at, size_t count, const char* name, size_t& rows,
                    size_t& cols) {
  double r, c;
  if (!readNumber(env, args[at], r) || !readNumber(env, args[at + 1], c)) return false;
  if (!(r >= 1 && c >= 1) || r != static_cast<double>(static_cast<size_t>(r)) ||
      c != static_cast<double>(static_cast<size_t>(c)) || count % static_cast<size_t>(r * c) != 0) {
    throwError(env, std::string(name) + ": count is not a whole number of rows x cols blocks");
    return false;
  }
  rows = static_cast<size_t>(r);
  cols = static_cast<size_t>(c);
  return true;
}

/**
 * geluTanhTransposed(memory, xByteOffset, yByteOffset, count, rows, cols): y[b][c][r] = GELU(x[b][r][c]) over the
 * count / (rows·cols) blocks of x.
 */
napi_value GeluTanhTransposed(napi_env env, napi_callback_info info) {
  napi_value args[6];
  if (!readArguments(env, info, 6, args)) return nullptr;
  if (!cpuHasAvx2Fma()) return throwError(env, "geluTanhTransposed: this CPU lacks AVX2/FMA");
  uint8_t* base;
  double at[2];
  size_t count, rows, cols;
  if (!readHeapArguments(env, "geluTanhTransposed", args, 2, base, at, count)) return nullptr;
  if (!readBlockShape(env, args, 4, count, "geluTanhTransposed", rows, cols)) return nullptr;
#if defined(__x86_64__) || defined(_M_X64)
  geluTanhForwardTransposedAvx2(reinterpret_cast<const float*>(base + static_cast<size_t>(at[0])),
                                reinterpret_cast<float*>(base + static_cast<size_t>(at[1])), count / (rows * cols),
                                rows, cols, globalPool());
#endif
  return nullptr;
}

/**
 * geluTanhTransposedWithDerivative(memory, xByteOffset, yByteOffset, gByteOffset, count, rows, cols):
 * y[b][c][r] = GELU(x[b][r][c]) and g[b][r][c] = GELU'(x[b][r][c]).
 */
napi_value GeluTanhTransposedWithDerivative(napi_env env, napi_callback_info info) {
  napi_value args[7];
  if (!readArguments(env, info, 7, args)) return nullptr;
  if (!cpuHasAvx2Fma()) return throwError(env, "geluTanhTransposedWithDerivative: this CPU lacks AVX2/FMA");
  uint8_t* base;
  double at[3];
  size_t count, rows, cols;
  if (!readHeapArguments(env, "geluTanhTransposedWithDerivative", args, 3, base, at, count)) return nullptr;
  if (!readBlockShape(env, args, 5, count, "geluTanhTransposedWithDerivative", rows, cols)) return nullptr;
#if defined(__x86_64__) || defined(_M_X64)
  geluTanhForwardTransposedWithDerivativeAvx2(reinterpret_cast<const float*>(base + static_cast<size_t>(at[0])),
                                              reinterpret_cast<float*>(base + static_cast<size_t>(at[1])),
                                              reinterpret_cast<float*>(base + static_cast<size_t>(at[2])),
                                              count / (rows * cols), rows, cols, globalPool());
#endif
  return nullptr;
}

/**
 * geluTanhTransposedGrad(memory, xByteOffset, dyByteOffset, dxByteOffset, count, rows, cols):
 * dx[b][r][c] = dy[b][c][r] · GELU'(x[b][r][c]).
 */
napi_value GeluTanhTransposedGrad(napi_env env, napi_callback_info info) {
  napi_value args[7];
  if (!readArguments(env, info, 7, args)) return nullptr;
  if (!cpuHasAvx2Fma()) return throwError(env, "geluTanhTransposedGrad: this CPU lacks AVX2/FMA");
  uint8_t* base;
  double at[3];
  size_t count, rows, cols;
  if (!readHeapArguments(env, "geluTanhTransposedGrad", args, 3, base, at, count)) return nullptr;
  if (!readBlockShape(env, args, 5, count, "geluTanhTransposedGrad", rows, cols)) return nullptr;
#if defined(__x86_64__) || defined(_M_X64)
  geluTanhBackwardTransposedAvx2(reinterpret_cast<const float*>(base + static_cast<size_t>(at[0])),
                                 reinterpret_cast<const float*>(base + static_cast<size_t>(at[1])),
                                 reinterpret_cast<float*>(base + static_cast<size_t>(at[2])), count / (rows * cols),
                                 rows, cols, globalPool());
#endif
  return nullptr;
}

/** geluTanh(memory, xByteOffset, yByteOffset, count): tanh-GELU of float32s inside `memory` (the wasm heap). */
napi_value GeluTanh(napi_env env, napi_callback_info info) {
  napi_value args[4];
  if (!readArguments(env, info, 4, args)) return nullptr;
  if (!cpuHasAvx2Fma()) return throwError(env, "geluTanh: this CPU lacks AVX2/FMA");
  uint8_t* base;
  double at[2];
  size_t count;
  if (!readHeapArguments(env, "geluTanh", args, 2, base, at, count)) return nullptr;
#if defined(__x86_64__) || defined(_M_X64)
  const auto* x = reinterpret_cast<const float*>(base + static_cast<size_t>(at[0]));
  auto* y = reinterpret_cast<float*>(base + static_cast<size_t>(at[1]));
  runElementwise(globalPool(), count, [&](size_t begin, size_t n) { geluTanhForwardAvx2(x + begin, y + begin, n); });
#endif
  return nullptr;
}

/** geluTanhGrad(memory, xByteOffset, dyByteOffset, dxByteOffset, count): dx = dy · GELU'(x). */
napi_value GeluTanhGrad(napi_env env, napi_callback_info info) {
  napi_value args[5];
  if (!readArguments(env, info, 5, args)) return nullptr;
  if (!cpuHasAvx2Fma()) return throwError(env, "geluTanhGrad: this CPU lacks AVX2/FMA");
  uint8_t* base;
  double at[3];
  size_t count;
  if (!readHeapArguments(env, "geluTanhGrad", args, 3, base, at, count)) return nullptr;
#if defined(__x86_64__) || defined(_M_X64)
  const auto* x = reinterpret_cast<const float*>(base + static_cast<size_t>(at[0]));
  const auto* dy = reinterpret_cast<const float*>(base + static_cast<size_t>(at[1]));
  auto* dx = reinterpret_cast<float*>(base + static_cast<size_t>(at[2]));
  runElementwise(globalPool(), count, [&](size_t begin, size_t n) { geluTanhBackwardAvx2(x + begin, dy + begin, dx + begin, n); });
#endif
  return nullptr;
}

/** reluGrad(memory, xByteOffset, dyByteOffset, dxByteOffset, count): dx = dy · step(x) (see relu.h). */
napi_value ReluGrad(napi_env env, napi_callback_info info) {
  napi_value args[5];
  if (!readArguments(env, info, 5, args)) return nullptr;
  uint8_t* base;
  double at[3];
  size_t count;
  if (!readHeapArguments(env, "reluGrad", args, 3, base, at, count)) return nullptr;
  const auto* x = reinterpret_cast<const float*>(base + static_cast<size_t>(at[0]));
  const auto* dy = reinterpret_cast<const float*>(base + static_cast<size_t>(at[1]));
  auto* dx = reinterpret_cast<float*>(base + static_cast<size_t>(at[2]));
  runElementwise(globalPool(), count, [&](size_t begin, size_t n) { reluGradient(x + begin, dy + begin, dx + begin, n); });
  return nullptr;
}

/**
 * transpose(memory, inByteOffset, outByteOffset, A, B, C, D): out[a][c][b][d] = in[a][b][c][d], float32 inside
 * `memory`, on every pool thread.
 */
napi_value Transpose(napi_env env, napi_callback_info info) {
  napi_value args[7];
  if (!readArguments(env, info, 7, args)) return nullptr;
  void* memory;
  size_t memoryBytes;
  if (!readArrayBuffer(env, args[0], "transpose", memory, memoryBytes)) return nullptr;
  double v[6];
  for (int i = 0; i < 6; ++i) {
    if (!readNumber(env, args[i + 1], v[i])) return nullptr;
  }
  const double count = v[2] * v[3] * v[4] * v[5];
  for (int i = 2; i < 6; ++i) {
    if (v[i] < 0 || v[i] != static_cast<double>(static_cast<size_t>(v[i]))) return throwError(env, "transpose: bad dimensions");
  }
  const double lo = std::min(v[0], v[1]), hi = std::max(v[0], v[1]);
  if (lo < 0 || hi + 4 * count > static_cast<double>(memoryBytes)) return throwError(env, "transpose: out of bounds");
  if (hi < lo + 4 * count) return throwError(env, "transpose: input and output overlap");
  auto* base = static_cast<uint8_t*>(memory);
  blockTranspose(reinterpret_cast<const float*>(base + static_cast<size_t>(v[0])),
                 reinterpret_cast<float*>(base + static_cast<size_t>(v[1])), static_cast<size_t>(v[2]),
                 static_cast<size_t>(v[3]), static_cast<size_t>(v[4]), static_cast<size_t>(v[5]), globalPool());
  return nullptr;
}

/** columnSums(memory, inByteOffset, outByteOffset, R, C): out[c] = Σ_r in[r][c], float32 inside `memory`. */
napi_value ColumnSums(napi_env env, napi_callback_info info) {
  napi_value args[5];
  if (!readArguments(env, info, 5, args)) return nullptr;
  void* memory;
  size_t memoryBytes;
  if (!readArrayBuffer(env, args[0], "columnSums", memory, memoryBytes)) return nullptr;
  double v[4];
  for (int i = 0; i < 4; ++i) {
    if (!readNumber(env, args[i + 1], v[i])) return nullptr;
  }
  for (int i = 2; i < 4; ++i) {
    if (v[i] < 0 || v[i] != static_cast<double>(static_cast<size_t>(v[i]))) return throwError(env, "columnSums: bad dimensions");
  }
  if (v[0] < 0 || v[1] < 0 || v[0] + 4 * v[2] * v[3] > static_cast<double>(memoryBytes) ||
      v[1] + 4 * v[3] > static_cast<double>(memoryBytes)) {
    return throwError(env, "columnSums: out of bounds");
  }
  auto* base = static_cast<uint8_t*>(memory);
  columnSums(reinterpret_cast<const float*>(base + static_cast<size_t>(v[0])),
             reinterpret_cast<float*>(base + static_cast<size_t>(v[1])), static_cast<size_t>(v[2]),
             static_cast<size_t>(v[3]), globalPool());
  return nullptr;
}

/** Names of the geometry arguments of the depthwise gradients, in order (for the error messages). */
constexpr const char* kDepthwiseDims[15] = {"batch", "inH",     "inW",     "C",         "M",         "outH",   "outW",   "kh",
                                            "kw",    "strideH", "strideW", "dilationH", "dilationW", "padTop", "padLeft"};

/**
 * depthwiseFilterGradient(memory, xByteOffset, dyByteOffset, dwByteOffset, ...geometry) and
 * depthwiseInputGradient(memory, dyByteOffset, wByteOffset, dxByteOffset, ...geometry), geometry = batch, inH, inW, C,
 * M, outH, outW, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft (depthwise_gradients.h): float32
 * inside `memory`. Every value must be a non-negative integer (dimensions below 2^31; M, strides and dilations at
 * least 1), every offset 4-byte aligned, every range inside the buffer, and the output must not overlap the inputs.
 * `filter` picks the gradient: the first two offsets are the inputs ([x, dy] or [dy, w]), the third the output.
 */
napi_value DepthwiseGradient(napi_env env, napi_callback_info info, bool filter) {
  const char* name = filter ? "depthwiseFilterGradient" : "depthwiseInputGradient";
  const std::string prefix = std::string(name) + ": ";
  napi_value args[19];
  if (!readArguments(env, info, 19, args)) return nullptr;
  void* memory;
  size_t memoryBytes;
  if (!readArrayBuffer(env, args[0], name, memory, memoryBytes)) return nullptr;
  double v[18];
  for (int i = 0; i < 18; ++i) {
    if (!readNumber(env, args[i + 1], v[i])) return nullptr;
  }
  if (!checkAlignedOffsets(env, v, 3, prefix)) return nullptr;
  const double* d = v + 3;
  if (!checkDimensions(env, d, kDepthwiseDims, 15, {4, 9, 10, 11, 12}, prefix)) return nullptr;  // M, strides, dilations
  const double batch = d[0], inH = d[1], inW = d[2], C = d[3], M = d[4], outH = d[5], outW = d[6], kh = d[7], kw = d[8];
  const double xBytes = 4 * batch * inH * inW * C, yBytes = 4 * batch * outH * outW * C * M, wBytes = 4 * kh * kw * C * M;
  // [x, dy, dw] for the filter gradient, [dy, w, dx] for the input gradient
  const double bytes[3] = {filter ? xBytes : yBytes, filter ? yBytes : wBytes, filter ? wBytes : xBytes};
  for (int i = 0; i < 3; ++i) {
    if (v[i] + bytes[i] > static_cast<double>(memoryBytes)) return throwError(env, prefix + "out of bounds");
  }
  for (int i = 0; i < 2; ++i) {
    if (bytes[i] > 0 && bytes[2] > 0 && v[i] < v[2] + bytes[2] && v[2] < v[i] + bytes[i]) {
      return throwError(env, prefix + "the output overlaps an input");
    }
  }
  DepthwiseGeometry g{};
  size_t* fields[15] = {&g.batch, &g.inH,     &g.inW,     &g.C,         &g.M,         &g.outH,   &g.outW,   &g.kh,
                        &g.kw,    &g.strideH, &g.strideW, &g.dilationH, &g.dilationW, &g.padTop, &g.padLeft};
  for (int i = 0; i < 15; ++i) *fields[i] = static_cast<size_t>(d[i]);
  auto* base = static_cast<uint8_t*>(memory);
  const auto* a = reinterpret_cast<const float*>(base + static_cast<size_t>(v[0]));
  const auto* b = reinterpret_cast<const float*>(base + static_cast<size_t>(v[1]));
  auto* out = reinterpret_cast<float*>(base + static_cast<size_t>(v[2]));
  if (filter) {
    depthwiseFilterGradient(a, b, out, g, globalPool());
  } else {
    depthwiseInputGradient(a, b, out, g, globalPool());
  }
  return nullptr;
}

napi_value DepthwiseFilterGradient(napi_env env, napi_callback_info info) { return DepthwiseGradient(env, info, true); }
napi_value DepthwiseInputGradient(napi_env env, napi_callback_info info) { return DepthwiseGradient(env, info, false); }

}  // namespace

void defineWasmHeapKernels(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {

      {"geluTanh", nullptr, GeluTanh, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"geluTanhGrad", nullptr, GeluTanhGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"geluTanhTransposed", nullptr, GeluTanhTransposed, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"geluTanhTransposedWithDerivative", nullptr, GeluTanhTransposedWithDerivative, nullptr, nullptr, nullptr,
       napi_default, nullptr},
      {"geluTanhTransposedGrad", nullptr, GeluTanhTransposedGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluGrad", nullptr, ReluGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"columnSums", nullptr, ColumnSums, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"transpose", nullptr, Transpose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseFilterGradient", nullptr, DepthwiseFilterGradient, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseInputGradient", nullptr, DepthwiseInputGradient, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
}

}  // namespace bertvision
