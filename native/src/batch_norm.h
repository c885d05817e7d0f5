// Batch normalisation over the last axis of a float32 [rows, C] array, forward and backward, for the WebAssembly
// backend's FusedBatchNorm kernel and its gradient (tfjs-wasm runs the forward on one core and the gradient as 14
// separate passes over arrays as large as the activations).
#pragma once
#include <cstddef>

#include "thread_pool.h"

namespace bertvision {

/** The per-channel arrays of a batch normalisation; `scale` and `offset` may be null (1 and 0). */
struct BatchNormChannels {
  const float* mean;
  const float* variance;
  const float* scale;
  const float* offset;
  size_t channels;
  float epsilon;
};

/** y = (x − mean) · scale / √(variance + ε) + offset, per channel, rows split over the pool. */
void batchNormForward(const float* x, float* y, size_t rows, const BatchNormChannels& p, ThreadPool& pool);

/** The gradients of {@link batchNormForward} with mean and variance taken as inputs (tfjs' FusedBatchNorm gradient). */
struct BatchNormGradients {
  float* dx;        // [rows, C]: dy · scale / √(variance + ε)
  float* dMean;     // [C]: −Σ dy · scale / √(variance + ε)
  float* dVariance; // [C]: −½ Σ dy · (x − mean) · scale · (variance + ε)^(−3/2)
  float* dScale;    // [C]: Σ dy · (x − mean) / √(variance + ε)
  float* dOffset;   // [C]: Σ dy
};

/**
 * One pass over x and dy: dx, and the two per-channel sums the other gradients need (accumulated in double, per
 * thread, added in thread order so the result does not depend on scheduling).
 */
void batchNormBackward(const float* x, const float* dy, size_t rows, const BatchNormChannels& p,
                       const BatchNormGradients& out, ThreadPool& pool);

/**
 * The batch moments of x `[rows, C]` per channel, as training-mode batch normalisation takes them: mean = Σx / rows,
 * then variance = Σ(x − mean)² / rows (two passes, accumulated in double per thread and added in thread order).
 */
void batchNormMoments(const float* x, size_t rows, size_t channels, float* mean, float* variance, ThreadPool& pool);

/** The gradients of training-mode batch normalisation, whose mean and variance are the batch moments of x. */
struct BatchNormTrainingGradients {
  float* dx;     // [rows, C]: scale·r · (dy − Σdy / rows − (x − mean)·r² · Σ dy·(x − mean) / rows), r = 1/√(variance + ε)
  float* dScale; // [C]: Σ dy · (x − mean) · r
  float* dOffset; // [C]: Σ dy
};

/**
 * Two passes over x and dy (the per-channel sums, then dx): the whole gradient to x through the normalisation and the
 * batch moments, which tfjs reaches through the moments' own gradients (about eight more passes). Same sums and order
 * as batchNormBackward.
 */
void batchNormTrainingBackward(const float* x, const float* dy, size_t rows, const BatchNormChannels& p,
                               const BatchNormTrainingGradients& out, ThreadPool& pool);

}  // namespace bertvision
