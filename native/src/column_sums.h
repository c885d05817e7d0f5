// Column sums of a matrix for the WebAssembly backend's Sum kernel: tfjs-wasm sums over a leading axis by transposing
// the input first, on one core (a bias gradient over [21504, 64] took 9 ms).
#pragma once
#include <cstddef>

#include "thread_pool.h"

namespace bertvision {

/**
 * out[c] = Σ_r in[r][c] for a float32 [R, C] matrix (a bias gradient: the sum over every leading axis). Rows are split
 * over the pool threads, each summing into its own row of partial sums, added in thread order at the end (so the
 * result does not depend on scheduling).
 */
void columnSums(const float* in, float* out, size_t R, size_t C, ThreadPool& pool);

}  // namespace bertvision
