// The average-pooling gradient (see avg_pool.h): a gather per input row, vectorised over the channels by the
// compiler (the pass is memory-bound).
#include "avg_pool.h"

#include <algorithm>
#include <vector>

namespace bertvision {

void avgPoolGrad(const float* dy, float* dx, const AvgPoolGeometry& g, ThreadPool& pool) {
  const size_t rows = g.batch * g.inH;
  if (rows == 0 || g.inW == 0 || g.C == 0) return;
  const float multiplier = 1.0f / static_cast<float>(g.kh * g.kw);
  const size_t C = g.C;
  // The output index an input position reaches through window tap k, or −1: (position + pad − k) / stride when whole
  // and inside the output (tfjs' dyR = (dxR − padTop' + wR) / strideH with padTop' = kh − 1 − padTop, wR = kh − 1 − k).
  const auto reach = [](size_t position, size_t pad, size_t k, size_t stride, size_t out) -> long {
    const long shifted = static_cast<long>(position + pad) - static_cast<long>(k);
    if (shifted < 0 || shifted % static_cast<long>(stride) != 0) return -1;
    const long o = shifted / static_cast<long>(stride);
    return o < static_cast<long>(out) ? o : -1;
  };
  const int tasks = static_cast<int>(rows < static_cast<size_t>(pool.size()) * 8 ? rows : pool.size() * 8);
  pool.run(tasks, [&](int task) {
    std::vector<float> sum(C);
    const size_t begin = rows * static_cast<size_t>(task) / static_cast<size_t>(tasks);
    const size_t end = rows * (static_cast<size_t>(task) + 1) / static_cast<size_t>(tasks);
    for (size_t row = begin; row < end; ++row) {
      const size_t b = row / g.inH, r = row % g.inH;
      for (size_t c = 0; c < g.inW; ++c) {
        std::fill(sum.begin(), sum.end(), 0.0f);
        // tfjs walks the window taps from the far end (wR = 0 ↔ k = kh − 1): the same order here
        for (size_t kr = g.kh; kr-- > 0;) {
          const long i = reach(r, g.padTop, kr, g.strideH, g.outH);
          if (i < 0) continue;
          for (size_t kc = g.kw; kc-- > 0;) {
            const long j = reach(c, g.padLeft, kc, g.strideW, g.outW);
            if (j < 0) continue;
            const float* d = dy + ((b * g.outH + static_cast<size_t>(i)) * g.outW + static_cast<size_t>(j)) * C;
            for (size_t ch = 0; ch < C; ++ch) sum[ch] += d[ch];
          }
        }
        float* out = dx + ((b * g.inH + r) * g.inW + c) * C;
        for (size_t ch = 0; ch < C; ++ch) out[ch] = sum[ch] * multiplier;
      }
    }
  });
}

}  // namespace bertvision
