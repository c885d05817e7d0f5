// Depthwise convolution gradients for the WebAssembly backend's DepthwiseConv2dNativeBackpropFilter / ...Input: the
// TypeScript loops (src/backend/kernels/depthwise-gradients.ts) run at about 8 ns per multiply-add on one core.
#pragma once
#include <cstddef>

#include "thread_pool.h"

namespace bertvision {

/**
 * The shapes of a depthwise convolution, NHWC: x [batch, inH, inW, C], filter [kh, kw, C, M], dy [batch, outH, outW,
 * C·M]; output (i, j) tap (p, q) reads x at row i·strideH + p·dilationH − padTop, column j·strideW + q·dilationW −
 * padLeft (taps outside the image read zeros). The caller (the binding) checks every value: dimensions below 2^31,
 * strides, dilations and M at least 1.
 */
struct DepthwiseGeometry {
  size_t batch, inH, inW, C, M, outH, outW, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft;
};

/**
 * dw[p][q][c·M + m] = Σ_{b,i,j} x[b][row][col][c] · dy[b][i][j][c·M + m] (the filter gradient; dw is overwritten).
 * Batch slices are split over the pool threads, each accumulating (float32) into its own copy of dw, added in slice
 * order at the end (so the result does not depend on scheduling).
 */
void depthwiseFilterGradient(const float* x, const float* dy, float* dw, const DepthwiseGeometry& g, ThreadPool& pool);

/**
 * dx[b][row][col][c] = Σ over the (i, j, p, q) that read it of Σ_m dy[b][i][j][c·M + m] · w[p][q][c·M + m] (the input
 * gradient; dx is overwritten). One pool task per batch entry (their dx are disjoint). dx must not overlap dy or w.
 */
void depthwiseInputGradient(const float* dy, const float* w, float* dx, const DepthwiseGeometry& g, ThreadPool& pool);

}  // namespace bertvision
