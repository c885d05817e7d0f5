// Column sums (see column_sums.h).
#include "column_sums.h"

#include <vector>

namespace bertvision {
namespace {

// Work below which the sum runs on the calling thread (about 1 MB of floats).
constexpr size_t kParallelElements = 1u << 18;

}  // namespace

void columnSums(const float* in, float* out, size_t R, size_t C, ThreadPool& pool) {
  if (C == 0) return;
  const size_t parts = R * C >= kParallelElements ? static_cast<size_t>(pool.size()) : 1;
  std::vector<float> partial(parts * C, 0.0f);
  auto work = [&](int task) {
    const size_t part = static_cast<size_t>(task);
    float* sums = partial.data() + part * C;
    for (size_t r = R * part / parts, end = R * (part + 1) / parts; r < end; ++r) {
      const float* row = in + r * C;
      for (size_t c = 0; c < C; ++c) sums[c] += row[c];
    }
  };
  if (parts == 1) {
    work(0);
  } else {
    pool.run(static_cast<int>(parts), work);
  }
  for (size_t c = 0; c < C; ++c) {
    float total = 0.0f;
    for (size_t part = 0; part < parts; ++part) total += partial[part * C + c];
    out[c] = total;
  }
}

}  // namespace bertvision
