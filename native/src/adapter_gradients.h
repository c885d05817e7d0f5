// The weight gradients of a shared AdapterPooler projection followed by its tanh-GELU (the layer axis moved last), in
// one product: the activation's derivative (saved by the forward pass, gelu.h) is applied as the product packs it, and
// the bias gradient summed on the way, so neither the pre-activation gradient [n·L, A] nor a pass over it exists.
#pragma once

#include "thread_pool.h"

namespace bertvision {

/**
 * For x [n, E, L] (layer last), g = GELU'(z) [n·L, A] of the projection's output z (rows ordered (n, l)) and the
 * gradient dy [n, A, L] of y = GELU(z) with the last two axes of [n, L, A] swapped:
 *   dz[t][a] = dy[t / L][a][t % L] · g[t][a],  dW[e][a] = Σ_t x[t / L][e][t % L] · dz[t][a],  db[a] = Σ_t dz[t][a].
 * dW is [E, A], db [A]. The sums are cut by shape (the GEMM's depth blocks), never by thread count: one thread and many
 * give the same bits. AVX2/FMA; the caller checks the CPU.
 */
void adapterGeluTanhGradientsAvx2(int n, int E, int L, int A, const float* x, const float* g, const float* dy,
                                  float* dW, float* db, ThreadPool& pool);

}  // namespace bertvision
