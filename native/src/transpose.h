// Batched block transposes for the WebAssembly backend's Transpose kernel: tfjs-wasm permutes on one core at about
// 1.7 GB/s, and the adapter's layer-axis moves ([n, E, L] -> [n, L, E]) are 33-158 MB per span batch.
#pragma once
#include <cstddef>

#include "thread_pool.h"

namespace bertvision {

/**
 * out[a][c][b][d] = in[a][b][c][d] for float32 arrays of shape [A, B, C, D] (every permutation of two adjacent
 * groups of axes reduces to this form). Portable C++ (the compiler vectorises the copies); on every pool thread.
 * `in` and `out` must not overlap.
 */
void blockTranspose(const float* in, float* out, size_t A, size_t B, size_t C, size_t D, ThreadPool& pool);

}  // namespace bertvision
