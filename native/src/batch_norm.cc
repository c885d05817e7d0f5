// Batch normalisation kernels (see batch_norm.h). Plain loops over the channel axis, vectorised by the compiler for the
// baseline ISA (the passes are memory-bound).
#include "batch_norm.h"

#include <algorithm>
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

/** Per part: Σ dy, then Σ dy · (x − mean), each [C] in double; when `dxDirect`, also dx = dy · gain. */
std::vector<double> gradientSums(const float* x, const float* dy, size_t rows, const BatchNormChannels& p,
                                 const float* gain, float* dxDirect, size_t parts, ThreadPool& pool) {
  const size_t C = p.channels;
  const float* mean = p.mean;
  std::vector<double> partial(parts * 2 * C, 0.0);
  overParts(parts, pool, [&](int task) {
    const size_t part = static_cast<size_t>(task);
    double* sumDy = partial.data() + part * 2 * C;
    double* sumDyCentred = sumDy + C;
    for (size_t r = rows * part / parts, end = rows * (part + 1) / parts; r < end; ++r) {
      const float* xr = x + r * C;
      const float* dyr = dy + r * C;
      if (dxDirect) {
        float* dxr = dxDirect + r * C;
        for (size_t c = 0; c < C; ++c) dxr[c] = dyr[c] * gain[c];
      }
      for (size_t c = 0; c < C; ++c) {
        const float d = dyr[c];
        sumDy[c] += d;
        sumDyCentred[c] += static_cast<double>(d) * static_cast<double>(xr[c] - mean[c]);
      }
    }
  });
  // parts added in order: the result does not depend on scheduling
  for (size_t part = 1; part < parts; ++part) {
    for (size_t i = 0; i < 2 * C; ++i) partial[i] += partial[part * 2 * C + i];
  }
  partial.resize(2 * C);
  return partial;
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
  const std::vector<double> sums = gradientSums(x, dy, rows, p, gain.data(), out.dx, partsFor(rows, C, pool), pool);
  for (size_t c = 0; c < C; ++c) {
    const double s1 = sums[c], s2 = sums[C + c];
    const double r = 1.0 / std::sqrt(static_cast<double>(p.variance[c]) + static_cast<double>(p.epsilon));
    const double s = p.scale ? p.scale[c] : 1.0;
    out.dOffset[c] = static_cast<float>(s1);
    out.dScale[c] = static_cast<float>(s2 * r);
    out.dMean[c] = static_cast<float>(-s1 * r * s);
    out.dVariance[c] = static_cast<float>(-0.5 * s2 * r * r * r * s);
  }
}

void batchNormMoments(const float* x, size_t rows, size_t channels, float* mean, float* variance, ThreadPool& pool) {
  const size_t C = channels;
  if (C == 0) return;
  const size_t parts = partsFor(rows, C, pool);
  std::vector<double> partial(parts * C, 0.0);
  const auto total = [&]() {
    std::vector<double> sum(C, 0.0);
    for (size_t part = 0; part < parts; ++part) {
      for (size_t c = 0; c < C; ++c) sum[c] += partial[part * C + c];
    }
    std::fill(partial.begin(), partial.end(), 0.0);
    return sum;
  };
  overParts(parts, pool, [&](int task) {
    const size_t part = static_cast<size_t>(task);
    double* acc = partial.data() + part * C;
    for (size_t r = rows * part / parts, end = rows * (part + 1) / parts; r < end; ++r) {
      const float* xr = x + r * C;
      for (size_t c = 0; c < C; ++c) acc[c] += xr[c];
    }
  });
  const double n = rows > 0 ? static_cast<double>(rows) : 1.0;
  std::vector<double> sum = total();
  for (size_t c = 0; c < C; ++c) mean[c] = static_cast<float>(sum[c] / n);
  overParts(parts, pool, [&](int task) {
    const size_t part = static_cast<size_t>(task);
    double* acc = partial.data() + part * C;
    for (size_t r = rows * part / parts, end = rows * (part + 1) / parts; r < end; ++r) {
      const float* xr = x + r * C;
      for (size_t c = 0; c < C; ++c) {
        const double d = static_cast<double>(xr[c] - mean[c]);
        acc[c] += d * d;
      }
    }
  });
  sum = total();
  for (size_t c = 0; c < C; ++c) variance[c] = static_cast<float>(sum[c] / n);
}

void batchNormTrainingBackward(const float* x, const float* dy, size_t rows, const BatchNormChannels& p,
                               const BatchNormTrainingGradients& out, ThreadPool& pool) {
  const size_t C = p.channels;
  if (C == 0) return;
  const size_t parts = partsFor(rows, C, pool);
  const std::vector<double> sums = gradientSums(x, dy, rows, p, nullptr, nullptr, parts, pool);
  const double n = rows > 0 ? static_cast<double>(rows) : 1.0;
  // dx = gain · (dy − a − (x − mean) · b) with a = Σdy / n, b = r² · Σ dy·(x − mean) / n
  std::vector<float> gain(C), a(C), b(C);
  for (size_t c = 0; c < C; ++c) {
    const double s1 = sums[c], s2 = sums[C + c];
    const double r = 1.0 / std::sqrt(static_cast<double>(p.variance[c]) + static_cast<double>(p.epsilon));
    gain[c] = static_cast<float>((p.scale ? p.scale[c] : 1.0) * r);
    a[c] = static_cast<float>(s1 / n);
    b[c] = static_cast<float>(r * r * s2 / n);
    out.dOffset[c] = static_cast<float>(s1);
    out.dScale[c] = static_cast<float>(s2 * r);
  }
  const float* mean = p.mean;
  overParts(parts, pool, [&](int task) {
    const size_t part = static_cast<size_t>(task);
    for (size_t r = rows * part / parts, end = rows * (part + 1) / parts; r < end; ++r) {
      const float* xr = x + r * C;
      const float* dyr = dy + r * C;
      float* dxr = out.dx + r * C;
      for (size_t c = 0; c < C; ++c) dxr[c] = gain[c] * (dyr[c] - a[c] - (xr[c] - mean[c]) * b[c]);
    }
  });
}

}  // namespace bertvision
