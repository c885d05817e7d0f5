// The addon's matrix products on the WebAssembly backend's heap: the GEMM (float32 and the opt-in bf16), its
// grouped-columns form, the fused adapter weight gradients, matrix × vector (the layer mix) and the few-columns /
// short-inner products.
#include <cmath>
#include <string>

#include "adapter_gradients.h"
#include "gemm.h"
#include "matvec.h"
#include "napi_helpers.h"
#include "skinny_products.h"
#include "thread_pool.h"

namespace bertvision {
namespace {

/** The arguments every batched product binding starts with (see MatmulWith), checked against the buffer. */
struct ProductArguments {
  uint8_t* base;
  size_t bytes;  // of the buffer
  double offsets[3];  // A, B, C (bytes)
  double batch, M, N, K;
  double strides[3];  // A, B, C (elements; 0 = broadcast)
  bool transA = false, transB = false;

  const float* a() const { return reinterpret_cast<const float*>(base + static_cast<size_t>(offsets[0])); }
  const float* b() const { return reinterpret_cast<const float*>(base + static_cast<size_t>(offsets[1])); }
  float* c() const { return reinterpret_cast<float*>(base + static_cast<size_t>(offsets[2])); }
};

/**
 * Reads args[0..12] (memory, three byte offsets, batch, M, N, K, three strides, transA, transB) for `kernel` (named
 * in the errors): false, with a JS exception pending, on misuse or when any matrix of any batch entry would lie
 * outside the buffer.
 */
bool readProductArguments(napi_env env, napi_value* args, const char* kernel, ProductArguments& out) {
  void* memory;
  size_t memoryBytes;
  if (!readArrayBuffer(env, args[0], kernel, memory, memoryBytes)) return false;
  double v[10];
  for (int i = 0; i < 10; ++i) {
    if (!readNumber(env, args[i + 1], v[i])) return false;
  }
  napi_get_value_bool(env, args[11], &out.transA);
  napi_get_value_bool(env, args[12], &out.transB);
  out.base = static_cast<uint8_t*>(memory);
  out.bytes = memoryBytes;
  out.batch = v[3];
  out.M = v[4];
  out.N = v[5];
  out.K = v[6];
  if (out.batch < 1 || out.M < 1 || out.N < 1 || out.K < 1 || out.M > 2147483647.0 || out.N > 2147483647.0 ||
      out.K > 2147483647.0) {
    throwError(env, std::string(kernel) + ": bad dimensions");
    return false;
  }
  const double sizes[3] = {out.M * out.K, out.K * out.N, out.M * out.N};
  for (int i = 0; i < 3; ++i) {
    out.offsets[i] = v[i];
    out.strides[i] = v[i + 7];
    const double last = v[i] + 4 * (v[i + 7] * (out.batch - 1) + sizes[i]);
    if (v[i] < 0 || v[i + 7] < 0 || last > static_cast<double>(memoryBytes)) {
      throwError(env, std::string(kernel) + ": out of bounds");
      return false;
    }
  }
  return true;
}

/**
 * Reads a bias byte offset (−1: none) of N float32s inside the buffer for `kernel`: bias is then null or points at
 * them; false, with a JS exception pending, on a bad offset.
 */
bool readBiasArgument(napi_env env, napi_value value, const char* kernel, uint8_t* base, size_t bytes, double N,
                      const float*& bias) {
  double at;
  if (!readNumber(env, value, at)) return false;
  bias = nullptr;
  if (at == -1) return true;
  if (at < 0 || at + 4 * N > static_cast<double>(bytes)) {
    throwError(env, std::string(kernel) + ": bias out of bounds");
    return false;
  }
  bias = reinterpret_cast<const float*>(base + static_cast<size_t>(at));
  return true;
}

/**
 * matmul(memory: ArrayBuffer, aByteOffset, bByteOffset, cByteOffset, batch, M, N, K, strideA, strideB, strideC,
 * transA, transB): C[b] = op(A[b])·op(B[b]) on float32 matrices inside `memory` (the wasm backend's heap), with the
 * AVX2/FMA kernel on every pool thread. Strides are in elements (0 = broadcast).
 * matmulBf16(same arguments): the same product with A and B rounded to bfloat16 and float32 accumulation, on the
 * AVX-512 BF16 kernel (throws where cpuHasAvx512Bf16() is false).
 */
napi_value MatmulWith(napi_env env, napi_callback_info info, bool bf16) {
  napi_value args[13];
  if (!readArguments(env, info, 13, args)) return nullptr;
  if (!cpuHasAvx2Fma()) return throwError(env, "matmul: this CPU lacks AVX2/FMA");
  if (bf16 && !cpuHasAvx512Bf16()) return throwError(env, "matmulBf16: this CPU (or build) lacks AVX-512 BF16");
  ProductArguments p;
  if (!readProductArguments(env, args, "matmul", p)) return nullptr;
#if defined(__x86_64__) || defined(_M_X64)
  auto* gemm = sgemmAvx2;
#ifndef BERTVISION_NO_BF16
  if (bf16) gemm = sgemmBf16Avx512;
#endif
  gemm(static_cast<int>(p.batch), static_cast<int>(p.M), static_cast<int>(p.N), static_cast<int>(p.K), p.a(),
       static_cast<long long>(p.strides[0]), p.transA, p.b(), static_cast<long long>(p.strides[1]), p.transB, p.c(),
       static_cast<long long>(p.strides[2]), globalPool());
#endif
  return nullptr;
}

/**
 * skinnyMatmul(memory, aByteOffset, bByteOffset, cByteOffset, batch, M, N, K, strideA, strideB, strideC, transA,
 * transB, biasByteOffset): the product of matmul (same arguments) plus, unless biasByteOffset is −1, bias[n] (N
 * float32s) on every row, for shapes with few output columns or a short inner dimension (skinny_products.h; throws
 * for others).
 */
napi_value SkinnyMatmul(napi_env env, napi_callback_info info) {
  napi_value args[14];
  if (!readArguments(env, info, 14, args)) return nullptr;
  if (!cpuHasAvx2Fma()) return throwError(env, "skinnyMatmul: this CPU lacks AVX2/FMA");
  ProductArguments p;
  if (!readProductArguments(env, args, "skinnyMatmul", p)) return nullptr;
  const float* bias;
  if (!readBiasArgument(env, args[13], "skinnyMatmul", p.base, p.bytes, p.N, bias)) return nullptr;
  const auto M = static_cast<size_t>(p.M), N = static_cast<size_t>(p.N), K = static_cast<size_t>(p.K);
  if (!skinnyProductFits(M, N, K, p.transA)) return throwError(env, "skinnyMatmul: neither N nor K is small enough");
#if defined(__x86_64__) || defined(_M_X64)
  skinnyProductAvx2(static_cast<size_t>(p.batch), M, N, K, p.a(), static_cast<long long>(p.strides[0]), p.transA,
                    p.b(), static_cast<long long>(p.strides[1]), p.transB, bias, p.c(),
                    static_cast<long long>(p.strides[2]), globalPool());
#endif
  return nullptr;
}

/**
 * groupedMatmul(memory, aByteOffset, bByteOffset, cByteOffset, M, N, K, ld, group, groupStride, transA, transB,
 * biasByteOffset): C = op(A)·op(B) (+ bias[n] on every row unless biasByteOffset is −1) where A's stored columns are
 * grouped (gemm.h, GroupedColumns): a layer-last activation batch used as rows or columns without transposing it
 * first.
 */
napi_value GroupedMatmul(napi_env env, napi_callback_info info) {
  napi_value args[13];
  if (!readArguments(env, info, 13, args)) return nullptr;
  if (!cpuHasAvx2Fma()) return throwError(env, "groupedMatmul: this CPU lacks AVX2/FMA");
  void* memory;
  size_t memoryBytes;
  if (!readArrayBuffer(env, args[0], "groupedMatmul", memory, memoryBytes)) return nullptr;
  double v[9];
  for (int i = 0; i < 9; ++i) {
    if (!readNumber(env, args[i + 1], v[i])) return nullptr;
  }
  bool transA = false, transB = false;
  napi_get_value_bool(env, args[10], &transA);
  napi_get_value_bool(env, args[11], &transB);
  const double M = v[3], N = v[4], K = v[5], ld = v[6], group = v[7], groupStride = v[8];
  if (M < 1 || N < 1 || K < 1 || M > 2147483647.0 || N > 2147483647.0 || K > 2147483647.0 || group < 1 ||
      group > 2147483647.0 || groupStride < group || ld < 0) {
    return throwError(env, "groupedMatmul: bad dimensions");
  }
  // the last stored element of A: stored row S-1, stored column T-1 (offsets grow with t when groupStride >= group)
  const double rowsStored = transA ? K : M, columnsStored = transA ? M : K;
  const double t = columnsStored - 1;
  const double lastColumn = std::floor(t / group) * groupStride + std::fmod(t, group);
  const double ends[3] = {v[0] + 4 * ((rowsStored - 1) * ld + lastColumn + 1), v[1] + 4 * K * N, v[2] + 4 * M * N};
  for (int i = 0; i < 3; ++i) {
    if (v[i] < 0 || ends[i] > static_cast<double>(memoryBytes)) return throwError(env, "groupedMatmul: out of bounds");
  }
  auto* base = static_cast<uint8_t*>(memory);
  const float* bias;
  if (!readBiasArgument(env, args[12], "groupedMatmul", base, memoryBytes, N, bias)) return nullptr;
#if defined(__x86_64__) || defined(_M_X64)
  sgemmAvx2GroupedA(static_cast<int>(M), static_cast<int>(N), static_cast<int>(K),
                    reinterpret_cast<const float*>(base + static_cast<size_t>(v[0])),
                    GroupedColumns{static_cast<long long>(ld), static_cast<int>(group), static_cast<long long>(groupStride)},
                    transA, reinterpret_cast<const float*>(base + static_cast<size_t>(v[1])), transB,
                    reinterpret_cast<float*>(base + static_cast<size_t>(v[2])), globalPool(), bias);
#endif
  return nullptr;
}

/**
 * adapterGeluGradients(memory, xByteOffset, gByteOffset, dyByteOffset, dWByteOffset, dbByteOffset, n, E, L, A): the
 * kernel and bias gradients of a shared AdapterPooler projection through its tanh-GELU (adapter_gradients.h), for
 * x [n, E, L], g = GELU'(z) [n·L, A], dy [n, A, L] → dW [E, A], db [A], float32 inside `memory`.
 */
napi_value AdapterGeluGradients(napi_env env, napi_callback_info info) {
  napi_value args[10];
  if (!readArguments(env, info, 10, args)) return nullptr;
  if (!cpuHasAvx2Fma()) return throwError(env, "adapterGeluGradients: this CPU lacks AVX2/FMA");
  void* memory;
  size_t memoryBytes;
  if (!readArrayBuffer(env, args[0], "adapterGeluGradients", memory, memoryBytes)) return nullptr;
  double v[9];
  for (int i = 0; i < 9; ++i) {
    if (!readNumber(env, args[i + 1], v[i])) return nullptr;
  }
  const double n = v[5], E = v[6], L = v[7], A = v[8];
  if (n < 1 || E < 1 || L < 1 || A < 1 || n * L > 2147483647.0 || E > 2147483647.0 || A > 2147483647.0) {
    return throwError(env, "adapterGeluGradients: bad dimensions");
  }
  const double sizes[5] = {n * E * L, n * L * A, n * A * L, E * A, A};  // x, g, dy, dW, db (elements)
  for (int i = 0; i < 5; ++i) {
    if (v[i] < 0 || v[i] + 4 * sizes[i] > static_cast<double>(memoryBytes)) {
      return throwError(env, "adapterGeluGradients: out of bounds");
    }
  }
#if defined(__x86_64__) || defined(_M_X64)
  auto* base = static_cast<uint8_t*>(memory);
  const auto at = [&](int i) { return reinterpret_cast<float*>(base + static_cast<size_t>(v[i])); };
  adapterGeluTanhGradientsAvx2(static_cast<int>(n), static_cast<int>(E), static_cast<int>(L), static_cast<int>(A),
                               at(0), at(1), at(2), at(3), at(4), globalPool());
#endif
  return nullptr;
}

napi_value Matmul(napi_env env, napi_callback_info info) { return MatmulWith(env, info, false); }
napi_value MatmulBf16(napi_env env, napi_callback_info info) { return MatmulWith(env, info, true); }

/**
 * matVec(memory, aByteOffset, xByteOffset, yByteOffset, M, K, transposed): y = A·x with A stored [M, K], or, when
 * transposed, y = Aᵀ·x with A stored [K, M] (M ≤ 64). Float32 inside `memory`, on every pool thread.
 */
napi_value MatVec(napi_env env, napi_callback_info info) {
  napi_value args[7];
  if (!readArguments(env, info, 7, args)) return nullptr;
  if (!cpuHasAvx2Fma()) return throwError(env, "matVec: this CPU lacks AVX2/FMA");
  void* memory;
  size_t memoryBytes;
  if (!readArrayBuffer(env, args[0], "matVec", memory, memoryBytes)) return nullptr;
  double v[5];
  for (int i = 0; i < 5; ++i) {
    if (!readNumber(env, args[i + 1], v[i])) return nullptr;
  }
  bool transposed = false;
  napi_get_value_bool(env, args[6], &transposed);
  const double M = v[3], K = v[4];
  if (M < 1 || K < 1 || (transposed && M > static_cast<double>(kMaxTransposedRows))) return throwError(env, "matVec: bad dimensions");
  if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[0] + 4 * M * K > memoryBytes || v[1] + 4 * K > memoryBytes ||
      v[2] + 4 * M > memoryBytes) {
    return throwError(env, "matVec: out of bounds");
  }
#if defined(__x86_64__) || defined(_M_X64)
  auto* base = static_cast<uint8_t*>(memory);
  const auto* A = reinterpret_cast<const float*>(base + static_cast<size_t>(v[0]));
  const auto* x = reinterpret_cast<const float*>(base + static_cast<size_t>(v[1]));
  auto* y = reinterpret_cast<float*>(base + static_cast<size_t>(v[2]));
  if (transposed) {
    transposedMatVecAvx2(A, x, y, static_cast<size_t>(K), static_cast<size_t>(M), globalPool());
  } else {
    matVecAvx2(A, x, y, static_cast<size_t>(M), static_cast<size_t>(K), globalPool());
  }
#endif
  return nullptr;
}

}  // namespace

void defineProductKernels(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmulBf16", nullptr, MatmulBf16, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"groupedMatmul", nullptr, GroupedMatmul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adapterGeluGradients", nullptr, AdapterGeluGradients, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matVec", nullptr, MatVec, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"skinnyMatmul", nullptr, SkinnyMatmul, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
}

}  // namespace bertvision
