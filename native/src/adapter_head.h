// A span head's last two layers fused with the shared AdapterPooler before them: the tanh-GELU of the adapter's
// projection z, flattened (A, L) with L innermost, then the position-wise Dense with two units (start and end logits).
// Forward, the GELU is evaluated and multiplied into the two logits as z is read, so neither the activation y nor its
// derivative is written; backward, y, GELU'(z) and the Dense's input gradient are formed as the adapter's kernel
// gradient product packs its operand, so no activation-sized buffer but z exists in the step.
#pragma once

#include "thread_pool.h"

namespace bertvision {

/** Units of the fused head: a span head's start and end logits. */
constexpr int kAdapterHeadUnits = 2;

/**
 * For z [n·L, A] (rows ordered (i, l)), the Dense kernel w [A·L, 2] (row a·L + l) and bias b [2]:
 *   out[i][u] = b[u] + Σ_l Σ_a GELU_tanh(z[i·L + l][a]) · w[a·L + l][u],  out [n, 2].
 * Each out[i] is summed in one fixed order (by shape), so any thread count gives the same bits. AVX2/FMA; the caller
 * checks the CPU.
 */
void adapterGeluTanhHeadForwardAvx2(int n, int L, int A, const float* z, const float* w, const float* b, float* out,
                                    ThreadPool& pool);

/**
 * The weight gradients of that forward pass and of the adapter projection z = rows(x)·Wa + ba before it, for
 * x [n, E, L] (layer last) and the logits' gradient dOut [n, 2]. With y = GELU_tanh(z), g = GELU_tanh'(z) and
 *   dz[t][a] = g[t][a] · Σ_u dOut[t / L][u] · w[a·L + t % L][u]:
 *   dWa [E, A] = rows(x)ᵀ·dz,  dba [A] = Σ_t dz[t],  dw [A·L, 2]: dw[a·L + l][u] = Σ_i y[i·L + l][a] · dOut[i][u],
 *   db [2] = Σ_i dOut[i].
 * The sums are cut by shape (the GEMM's depth blocks), never by thread count. AVX2/FMA; the caller checks the CPU.
 * Keeps 8·L·A·(depth blocks of n·L) bytes of per-block head sums for the call (12 MB at BERT-large batch 8).
 */
void adapterGeluTanhHeadGradientsAvx2(int n, int E, int L, int A, const float* x, const float* z, const float* dOut,
                                      const float* w, float* dWa, float* dba, float* dw, float* db, ThreadPool& pool);

}  // namespace bertvision
