// Matrix × vector kernels (compiled with -mavx2 -mfma). Rows (or the K range) are split into pool tasks of about
// 1 MiB of the matrix each; each task streams its part once.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "avx2_lanes.h"
#include "matvec.h"

namespace bertvision {

namespace {

/** Matrix bytes per pool task. */
constexpr size_t kTaskBytes = 1u << 20;

}  // namespace

void matVecAvx2(const float* A, const float* x, float* y, size_t M, size_t K, ThreadPool& pool) {
  const size_t rowsPerTask = std::max<size_t>(1, kTaskBytes / (4 * K));
  const size_t whole = K / 8 * 8;
  const __m256i mask = tailMask(K - whole);
  runChunked(pool, M, rowsPerTask, [&](size_t begin, size_t rows) {
    for (size_t m = begin; m < begin + rows; ++m) {
      const float* row = A + m * K;
      __m256 sum = _mm256_setzero_ps();
      for (size_t k = 0; k < whole; k += 8) sum = _mm256_fmadd_ps(_mm256_loadu_ps(row + k), _mm256_loadu_ps(x + k), sum);
      if (whole < K) sum = _mm256_fmadd_ps(_mm256_maskload_ps(row + whole, mask), _mm256_maskload_ps(x + whole, mask), sum);
      y[m] = horizontalSum(sum);
    }
  });
}

void transposedMatVecAvx2(const float* A, const float* x, float* y, size_t K, size_t M, ThreadPool& pool) {
  constexpr size_t kVectors = kMaxTransposedRows / 8;
  const size_t vectors = (M + 7) / 8;
  const size_t whole = M / 8;
  const __m256i mask = tailMask(M - whole * 8);
  const size_t rowsPerTask = std::max<size_t>(1, kTaskBytes / (4 * M));
  const size_t tasks = (K + rowsPerTask - 1) / rowsPerTask;
  std::vector<float> partial(tasks * vectors * 8, 0.0f);  // one partial y per task, summed in task order below
  pool.run(static_cast<int>(tasks), [&](int task) {
    const size_t begin = static_cast<size_t>(task) * rowsPerTask;
    const size_t end = std::min(K, begin + rowsPerTask);
    __m256 sum[kVectors];
    for (size_t v = 0; v < vectors; ++v) sum[v] = _mm256_setzero_ps();
    for (size_t k = begin; k < end; ++k) {
      const float* row = A + k * M;
      const __m256 scale = _mm256_broadcast_ss(x + k);
      for (size_t v = 0; v < whole; ++v) sum[v] = _mm256_fmadd_ps(_mm256_loadu_ps(row + 8 * v), scale, sum[v]);
      if (whole < vectors) sum[whole] = _mm256_fmadd_ps(_mm256_maskload_ps(row + 8 * whole, mask), scale, sum[whole]);
    }
    float* out = partial.data() + static_cast<size_t>(task) * vectors * 8;
    for (size_t v = 0; v < vectors; ++v) _mm256_storeu_ps(out + 8 * v, sum[v]);
  });
  for (size_t m = 0; m < M; ++m) {
    float total = 0.0f;
    for (size_t t = 0; t < tasks; ++t) total += partial[t * vectors * 8 + m];
    y[m] = total;
  }
}

}  // namespace bertvision
