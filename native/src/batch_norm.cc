// Batch normalisation kernels (see batch_norm.h). Plain loops over the channel axis, vectorised by the compiler for the
// baseline ISA (the passes are memory-bound).
#include "batch_norm.h"

#include <cmath>
#include <vector>

namespace bertvision {
namespace {

// Work below which a kernel runs on the calling thread (about 1 MB of floats).
constexpr size_t kParallelElements = 1u << 18;

size_t partsFor(size_t rows, size_t channels, ThreadPool& pool) {
  const size_t parts = rows * channels >= kParallelElements ? static_cast<size_t>(pool.size()) : 1;
  return parts < rows ? parts : (rows > 0 ? rows : 1);
}

template <typename Fn>
void overParts(size_t parts, ThreadPool& pool, Fn fn) {
  if (parts == 1) {
    fn(0);
  } else {
    pool.run(static_cast<int>(parts), fn);
  }
}

/** scale / √(variance + ε) per channel. */
std::vector<float> gains(const BatchNormChannels& p) {
  std::vector<float> gain(p.channels);
  for (size_t c = 0; c < p.channels; ++c) {
    gain[c] = (p.scale ? p.scale[c] : 1.0f) / std::sqrt(p.variance[c] + p.epsilon);
  }
  return gain;
}

}  // namespace

void batchNormForward(const float* x, float* y, size_t rows, const BatchNormChannels& p, ThreadPool& pool) {
  const size_t C = p.channels;
  if (C == 0 || rows == 0) return;
  const std::vector<float> gain = gains(p);
  std::vector<float> offset(C, 0.0f);
  if (p.offset) offset.assign(p.offset, p.offset + C);
  const float* g = gain.data();
  const float* o = offset.data();
  const float* mean = p.mean;
  const size_t parts = partsFor(rows, C, pool);
  overParts(parts, pool, [&](int task) {
    const size_t part = static_cast<size_t>(task);
    for (size_t r = rows * part / parts, end = rows * (part + 1) / parts; r < end; ++r) {
      const float* in = x + r * C;
      float* out = y + r * C;
      for (size_t c = 0; c < C; ++c) out[c] = (in[c] - mean[c]) * g[c] + o[c];
    }
  });
}

void batchNormBackward(const float* x, const float* dy, size_t rows, const BatchNormChannels& p,
                       const BatchNormGradients& out, ThreadPool& pool) {
  const size_t C = p.channels;
  if (C == 0) return;
  const std::vector<float> gain = gains(p);
  const float* g = gain.data();
  const float* mean = p.mean;
  const size_t parts = partsFor(rows, C, pool);
  // per part: Σ dy, then Σ dy · (x − mean)
  std::vector<double> partial(parts * 2 * C, 0.0);
  overParts(parts, pool, [&](int task) {
    const size_t part = static_cast<size_t>(task);
    double* sumDy = partial.data() + part * 2 * C;
    double* sumDyCentred = sumDy + C;
    for (size_t r = rows * part / parts, end = rows * (part + 1) / parts; r < end; ++r) {
      const float* xr = x + r * C;
      const float* dyr = dy + r * C;
      float* dxr = out.dx + r * C;
      for (size_t c = 0; c < C; ++c) {
        const float d = dyr[c];
        dxr[c] = d * g[c];
        sumDy[c] += d;
        sumDyCentred[c] += static_cast<double>(d) * static_cast<double>(xr[c] - mean[c]);
      }
    }
  });
  for (size_t c = 0; c < C; ++c) {
    double s1 = 0.0, s2 = 0.0;
    for (size_t part = 0; part < parts; ++part) {
      s1 += partial[part * 2 * C + c];
      s2 += partial[part * 2 * C + C + c];
    }
    const double r = 1.0 / std::sqrt(static_cast<double>(p.variance[c]) + static_cast<double>(p.epsilon));
    const double s = p.scale ? p.scale[c] : 1.0;
    out.dOffset[c] = static_cast<float>(s1);
    out.dScale[c] = static_cast<float>(s2 * r);
    out.dMean[c] = static_cast<float>(-s1 * r * s);
    out.dVariance[c] = static_cast<float>(-0.5 * s2 * r * r * r * s);
  }
}

}  // namespace bertvision
