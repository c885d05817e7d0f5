// The average-pooling gradient for the WebAssembly backend's AvgPoolGrad: tfjs-wasm runs it as scalar loops on one
// core, and the Xception heads pool after every block of the entry and exit flows.
#pragma once
#include <cstddef>

#include "thread_pool.h"

namespace bertvision {

/**
 * The shapes of a 2-D average pooling, NHWC: x [batch, inH, inW, C], dy [batch, outH, outW, C]; output (i, j)
 * averages the window of x rows i·strideH − padTop + [0, kh) and columns j·strideW − padLeft + [0, kw). The binding
 * checks every value (dimensions below 2^31, the window and strides at least 1, padding below the window).
 */
struct AvgPoolGeometry {
  size_t batch, inH, inW, C, outH, outW, kh, kw, strideH, strideW, padTop, padLeft;
};

/**
 * dx[b][r][c][ch] = (Σ, window rows then columns in order, of dy[b][i][j][ch] over the windows (i, j) that cover
 * (r, c)) / (kh · kw): tfjs' AvgPoolGrad, whose divisor counts the padding, summed in its order (the same bits). dx
 * is overwritten; rows are split over the pool threads.
 */
void avgPoolGrad(const float* dy, float* dx, const AvgPoolGeometry& g, ThreadPool& pool);

}  // namespace bertvision
