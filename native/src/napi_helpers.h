// Small Node-API helpers shared by the addon's translation units.
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace bertvision {

#define CHECK_NAPI(env, call)                                              \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error((env), "E_NATIVE", "Node-API call failed: " #call); \
      return nullptr;                                                      \
    }                                                                      \
  } while (0)

/** Whether the CPU has AVX2 and FMA (the matrix and GELU kernels need both). */
bool cpuHasAvx2Fma();

/**
 * Whether the bf16 matrix product can run: an x86-64 CPU (and OS) with AVX-512 F/BW/VL and BF16 (vdpbf16ps), in a
 * build that compiled gemm_bf16_avx512.cc (native/build.mjs defines BERTVISION_NO_BF16 when the compiler cannot).
 */
bool cpuHasAvx512Bf16();

/** Throws a JS Error with code E_NATIVE; returns nullptr for `return throwError(...)`. */
napi_value throwError(napi_env env, const std::string& message);

/** Reads `count` arguments; false (with a JS exception pending) when fewer were passed. */
bool readArguments(napi_env env, napi_callback_info info, size_t count, napi_value* args);

/** Reads a number; false (with a JS exception pending) otherwise. */
bool readNumber(napi_env env, napi_value value, double& out);

/**
 * The memory of an ArrayBuffer (the wasm heap); false, with a JS Error "`kernel`: expected an ArrayBuffer" pending, for
 * anything else.
 */
bool readArrayBuffer(napi_env env, napi_value value, const std::string& kernel, void*& data, size_t& bytes);

/**
 * Whether each of `count` byte offsets is a non-negative multiple of 4; false, with a JS Error "`prefix`byte offsets
 * must be non-negative multiples of 4" pending, otherwise.
 */
bool checkAlignedOffsets(napi_env env, const double* offsets, int count, const std::string& prefix);

/**
 * Whether each of `count` dimensions is a non-negative integer below 2^31 and those at the indices `atLeastOne` are at
 * least 1; false, with a JS Error "`prefix`bad dimensions (NAME must …)" naming the first that is not, otherwise.
 */
bool checkDimensions(napi_env env, const double* dims, const char* const* names, int count,
                     std::initializer_list<int> atLeastOne, const std::string& prefix);

/** The bytes of a typed array; false (with a JS exception pending) for anything else. */
bool readView(napi_env env, napi_value value, uint8_t*& data, size_t& bytes);

/**
 * Reads args[0] as an ArrayBuffer (the wasm heap) for `kernel` (named in the errors), then `pointers` byte offsets of float32 arrays into it and an element
 * count; false (with a JS exception pending) on misuse or when an array would end past the buffer.
 */
bool readHeapArguments(napi_env env, const char* kernel, napi_value* args, size_t pointers, uint8_t*& base, double* offsets, size_t& count);

/** Adds the wasm-heap elementwise and layout kernels (GELU, ReLU gradient, transposes, sums, depthwise gradients). */
void defineWasmHeapKernels(napi_env env, napi_value exports);

/** Adds the matrix products (matmul, matmulBf16, groupedMatmul, matVec, skinnyMatmul) to `exports`. */
void defineProductKernels(napi_env env, napi_value exports);

/** Adds the fused adapter span head (adapterHeadForward, adapterHeadGradients) to `exports`. */
void defineAdapterHeadKernels(napi_env env, napi_value exports);

/** Adds the optimizer kernels (adamUpdate) to `exports`. */
void defineOptimizerKernels(napi_env env, napi_value exports);

/** Adds the batch normalisation kernels (batchNormForward, batchNormBackward, batchNormMoments, batchNormTrainingBackward) to `exports`. */
void defineBatchNormKernels(napi_env env, napi_value exports);

/** Adds the average-pooling gradient (avgPoolGrad) to `exports`. */
void defineAvgPoolKernels(napi_env env, napi_value exports);

}  // namespace bertvision
