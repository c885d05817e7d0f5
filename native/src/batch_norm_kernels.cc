// The batch normalisation kernels that work in place on the WebAssembly backend's heap (see batch_norm.h).
#include "batch_norm.h"
#include "napi_helpers.h"
#include "thread_pool.h"

namespace bertvision {
namespace {

/**
 * Reads args[0] (the heap), `pointers` byte offsets (−1: absent, allowed where `optional` says so) of float32 arrays
 * of `sizes[i]` elements each, then rows, channels and (when `withEpsilon`) ε at args[pointers + 1 …]. False with a JS
 * exception on misuse.
 */
bool readBatchNormArguments(napi_env env, napi_value* args, size_t pointers, const bool* perRow, const bool* optional,
                            uint8_t*& base, float** arrays, size_t& rows, BatchNormChannels& p,
                            bool withEpsilon = true) {
  void* memory;
  size_t memoryBytes;
  if (!readArrayBuffer(env, args[0], "batchNorm", memory, memoryBytes)) return false;
  double n, c, epsilon = 0;
  if (!readNumber(env, args[pointers + 1], n) || !readNumber(env, args[pointers + 2], c) ||
      (withEpsilon && !readNumber(env, args[pointers + 3], epsilon))) {
    return false;
  }
  if (n < 0 || c < 1 || n * c > 4294967296.0) {
    throwError(env, "batchNorm: bad dimensions");
    return false;
  }
  base = static_cast<uint8_t*>(memory);
  for (size_t i = 0; i < pointers; ++i) {
    double offset;
    if (!readNumber(env, args[i + 1], offset)) return false;
    if (offset == -1 && optional[i]) {
      arrays[i] = nullptr;
      continue;
    }
    const double floats = perRow[i] ? n * c : c;
    if (offset < 0 || offset + 4 * floats > static_cast<double>(memoryBytes)) {
      throwError(env, "batchNorm: out of bounds");
      return false;
    }
    arrays[i] = reinterpret_cast<float*>(base + static_cast<size_t>(offset));
  }
  rows = static_cast<size_t>(n);
  p.channels = static_cast<size_t>(c);
  p.epsilon = static_cast<float>(epsilon);
  return true;
}

/**
 * batchNormForward(memory, x, mean, variance, scale | −1, offset | −1, y, rows, channels, epsilon): byte offsets of
 * float32 arrays inside `memory`, x and y `[rows, channels]`, the others `[channels]`.
 */
napi_value BatchNormForward(napi_env env, napi_callback_info info) {
  napi_value args[10];
  if (!readArguments(env, info, 10, args)) return nullptr;
  static const bool perRow[6] = {true, false, false, false, false, true};
  static const bool optional[6] = {false, false, false, true, true, false};
  uint8_t* base;
  float* a[6];
  size_t rows;
  BatchNormChannels p{};
  if (!readBatchNormArguments(env, args, 6, perRow, optional, base, a, rows, p)) return nullptr;
  p.mean = a[1];
  p.variance = a[2];
  p.scale = a[3];
  p.offset = a[4];
  batchNormForward(a[0], a[5], rows, p, globalPool());
  return nullptr;
}

/**
 * batchNormBackward(memory, x, mean, variance, scale | −1, dy, dx, dMean, dVariance, dScale, dOffset, rows, channels,
 * epsilon): the gradients of batchNormForward (see batch_norm.h) into dx `[rows, channels]` and the four `[channels]`.
 */
napi_value BatchNormBackward(napi_env env, napi_callback_info info) {
  napi_value args[14];
  if (!readArguments(env, info, 14, args)) return nullptr;
  static const bool perRow[10] = {true, false, false, false, true, true, false, false, false, false};
  static const bool optional[10] = {false, false, false, true, false, false, false, false, false, false};
  uint8_t* base;
  float* a[10];
  size_t rows;
  BatchNormChannels p{};
  if (!readBatchNormArguments(env, args, 10, perRow, optional, base, a, rows, p)) return nullptr;
  p.mean = a[1];
  p.variance = a[2];
  p.scale = a[3];
  batchNormBackward(a[0], a[4], rows, p, BatchNormGradients{a[5], a[6], a[7], a[8], a[9]}, globalPool());
  return nullptr;
}

/**
 * batchNormMoments(memory, x, mean, variance, rows, channels): the batch mean and variance of x `[rows, channels]`
 * per channel (see batch_norm.h) into the two `[channels]` arrays.
 */
napi_value BatchNormMoments(napi_env env, napi_callback_info info) {
  napi_value args[6];
  if (!readArguments(env, info, 6, args)) return nullptr;
  static const bool perRow[3] = {true, false, false};
  static const bool optional[3] = {false, false, false};
  uint8_t* base;
  float* a[3];
  size_t rows;
  BatchNormChannels p{};
  if (!readBatchNormArguments(env, args, 3, perRow, optional, base, a, rows, p, false)) return nullptr;
  batchNormMoments(a[0], rows, p.channels, a[1], a[2], globalPool());
  return nullptr;
}

/**
 * batchNormTrainingBackward(memory, x, mean, variance, scale | −1, dy, dx, dScale, dOffset, rows, channels, epsilon):
 * the gradients of training-mode batch normalisation (see batch_norm.h) into dx `[rows, channels]` and the two
 * `[channels]`.
 */
napi_value BatchNormTrainingBackward(napi_env env, napi_callback_info info) {
  napi_value args[12];
  if (!readArguments(env, info, 12, args)) return nullptr;
  static const bool perRow[8] = {true, false, false, false, true, true, false, false};
  static const bool optional[8] = {false, false, false, true, false, false, false, false};
  uint8_t* base;
  float* a[8];
  size_t rows;
  BatchNormChannels p{};
  if (!readBatchNormArguments(env, args, 8, perRow, optional, base, a, rows, p)) return nullptr;
  p.mean = a[1];
  p.variance = a[2];
  p.scale = a[3];
  batchNormTrainingBackward(a[0], a[4], rows, p, BatchNormTrainingGradients{a[5], a[6], a[7]}, globalPool());
  return nullptr;
}

}  // namespace

void defineBatchNormKernels(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"batchNormForward", nullptr, BatchNormForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormBackward", nullptr, BatchNormBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormMoments", nullptr, BatchNormMoments, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormTrainingBackward", nullptr, BatchNormTrainingBackward, nullptr, nullptr, nullptr, napi_default,
       nullptr},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
}

}  // namespace bertvision
