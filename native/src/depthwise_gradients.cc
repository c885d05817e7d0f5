// Depthwise convolution gradients (see depthwise_gradients.h). Portable C++: the innermost loops run over the
// contiguous channel axis, which the compiler vectorises.
#include "depthwise_gradients.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace bertvision {
namespace {

// Multiply-adds below which a gradient runs on the calling thread.
constexpr size_t kParallelWork = 1u << 17;

/** The input row (or column) that output position `i` reads through tap `p`, or −1 outside the image. */
inline int64_t source(size_t i, size_t stride, size_t p, size_t dilation, size_t pad, size_t size) {
  const int64_t at = static_cast<int64_t>(i * stride + p * dilation) - static_cast<int64_t>(pad);
  return at >= 0 && at < static_cast<int64_t>(size) ? at : -1;
}

/** Adds batch entries [b0, b1) of the filter gradient into `acc` ([kh, kw, C·M], zeroed by the caller). */
void filterSlice(const float* x, const float* dy, float* acc, const DepthwiseGeometry& g, size_t b0, size_t b1) {
  const size_t C = g.C, M = g.M, CM = C * M;
  const size_t xRow = g.inW * C, yRow = g.outW * CM;
  for (size_t b = b0; b < b1; ++b) {
    for (size_t i = 0; i < g.outH; ++i) {
      const float* yr = dy + (b * g.outH + i) * yRow;
      for (size_t p = 0; p < g.kh; ++p) {
        const int64_t r = source(i, g.strideH, p, g.dilationH, g.padTop, g.inH);
        if (r < 0) continue;
        const float* xr = x + (b * g.inH + static_cast<size_t>(r)) * xRow;
        for (size_t j = 0; j < g.outW; ++j) {
          const float* __restrict yo = yr + j * CM;
          for (size_t q = 0; q < g.kw; ++q) {
            const int64_t col = source(j, g.strideW, q, g.dilationW, g.padLeft, g.inW);
            if (col < 0) continue;
            const float* __restrict xo = xr + static_cast<size_t>(col) * C;
            float* __restrict tap = acc + (p * g.kw + q) * CM;
            if (M == 1) {
              for (size_t c = 0; c < C; ++c) tap[c] += xo[c] * yo[c];
            } else {
              for (size_t c = 0; c < C; ++c) {
                const float v = xo[c];
                for (size_t m = 0; m < M; ++m) tap[c * M + m] += v * yo[c * M + m];
              }
            }
          }
        }
      }
    }
  }
}

/** The input gradient of batch entry `b` (its dx overwritten). */
void inputEntry(const float* dy, const float* w, float* dx, const DepthwiseGeometry& g, size_t b) {
  const size_t C = g.C, M = g.M, CM = C * M;
  const size_t xRow = g.inW * C, yRow = g.outW * CM;
  float* dxb = dx + b * g.inH * xRow;
  std::fill(dxb, dxb + g.inH * xRow, 0.0f);
  for (size_t i = 0; i < g.outH; ++i) {
    const float* yr = dy + (b * g.outH + i) * yRow;
    for (size_t p = 0; p < g.kh; ++p) {
      const int64_t r = source(i, g.strideH, p, g.dilationH, g.padTop, g.inH);
      if (r < 0) continue;
      float* xr = dxb + static_cast<size_t>(r) * xRow;
      for (size_t j = 0; j < g.outW; ++j) {
        const float* __restrict yo = yr + j * CM;
        for (size_t q = 0; q < g.kw; ++q) {
          const int64_t col = source(j, g.strideW, q, g.dilationW, g.padLeft, g.inW);
          if (col < 0) continue;
          float* __restrict xo = xr + static_cast<size_t>(col) * C;
          const float* __restrict wo = w + (p * g.kw + q) * CM;
          if (M == 1) {
            for (size_t c = 0; c < C; ++c) xo[c] += yo[c] * wo[c];
          } else {
            for (size_t c = 0; c < C; ++c) {
              float sum = 0.0f;
              for (size_t m = 0; m < M; ++m) sum += yo[c * M + m] * wo[c * M + m];
              xo[c] += sum;
            }
          }
        }
      }
    }
  }
}

/** Multiply-adds of one gradient (an upper bound: taps in the padding are skipped). */
size_t work(const DepthwiseGeometry& g) { return g.batch * g.outH * g.outW * g.kh * g.kw * g.C * g.M; }

}  // namespace

void depthwiseFilterGradient(const float* x, const float* dy, float* dw, const DepthwiseGeometry& g, ThreadPool& pool) {
  const size_t size = g.kh * g.kw * g.C * g.M;
  if (size == 0) return;
  const size_t parts = work(g) >= kParallelWork ? std::min(g.batch, static_cast<size_t>(pool.size())) : 1;
  if (parts <= 1) {
    std::fill(dw, dw + size, 0.0f);
    filterSlice(x, dy, dw, g, 0, g.batch);
    return;
  }
  std::vector<float> partial(parts * size, 0.0f);
  pool.run(static_cast<int>(parts), [&](int task) {
    const size_t part = static_cast<size_t>(task);
    filterSlice(x, dy, partial.data() + part * size, g, g.batch * part / parts, g.batch * (part + 1) / parts);
  });
  for (size_t k = 0; k < size; ++k) {
    float total = 0.0f;
    for (size_t part = 0; part < parts; ++part) total += partial[part * size + k];
    dw[k] = total;
  }
}

void depthwiseInputGradient(const float* dy, const float* w, float* dx, const DepthwiseGeometry& g, ThreadPool& pool) {
  if (g.batch == 0 || g.inH * g.inW * g.C == 0) return;
  if (g.batch == 1 || work(g) < kParallelWork) {
    for (size_t b = 0; b < g.batch; ++b) inputEntry(dy, w, dx, g, b);
    return;
  }
  pool.run(static_cast<int>(g.batch), [&](int b) { inputEntry(dy, w, dx, g, static_cast<size_t>(b)); });
}

}  // namespace bertvision
