// Few-columns and short-inner matrix products (skinny_products.h), compiled with -mavx2 -mfma. Work is cut into pool
// tasks of about 1 MiB of the streamed operand; the pieces depend on the shape only, so results do not depend on the
// number of threads.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "avx2_lanes.h"
#include "skinny_products.h"

namespace bertvision {
namespace {

/** Bytes of the streamed operand (or of C) per pool task. */
constexpr size_t kTaskBytes = 1u << 20;
/** Most pool tasks of a transposed few-columns product (each holds a copy of C). */
constexpr size_t kMaxPartials = 64;

/** Element (k, n) of op(B), B stored [K, N] or, when transB, [N, K]. */
inline float elementOfB(const float* B, size_t k, size_t n, size_t N, size_t K, bool transB) {
  return transB ? B[n * K + k] : B[k * N + n];
}

/** op(B)ᵀ as [N, K] rows: B itself when it is stored transposed, else a packed copy in `packed`. */
const float* columnsOfB(const float* B, size_t N, size_t K, bool transB, std::vector<float>& packed) {
  if (transB) return B;
  packed.resize(N * K);
  for (size_t k = 0; k < K; ++k)
    for (size_t n = 0; n < N; ++n) packed[n * K + k] = B[k * N + n];
  return packed.data();
}

/** op(B) as [K, N] rows: B itself when it is stored that way, else a packed copy in `packed`. */
const float* rowsOfB(const float* B, size_t N, size_t K, bool transB, std::vector<float>& packed) {
  if (!transB) return B;
  packed.resize(K * N);
  for (size_t n = 0; n < N; ++n)
    for (size_t k = 0; k < K; ++k) packed[k * N + n] = B[n * K + k];
  return packed.data();
}

/** c[j] = a · bt[j] (+ bias[j]) for j < NC: NC dot products of length K sharing one pass over the row a. */
template <size_t NC>
void rowDots(const float* a, const float* bt, size_t K, const float* bias, float* c) {
  __m256 acc[NC];
  for (size_t j = 0; j < NC; ++j) acc[j] = _mm256_setzero_ps();
  const size_t whole = K / 8 * 8;
  for (size_t k = 0; k < whole; k += 8) {
    const __m256 av = _mm256_loadu_ps(a + k);
    for (size_t j = 0; j < NC; ++j) acc[j] = _mm256_fmadd_ps(av, _mm256_loadu_ps(bt + j * K + k), acc[j]);
  }
  if (whole < K) {
    const __m256i mask = tailMask(K - whole);
    const __m256 av = _mm256_maskload_ps(a + whole, mask);
    for (size_t j = 0; j < NC; ++j) acc[j] = _mm256_fmadd_ps(av, _mm256_maskload_ps(bt + j * K + whole, mask), acc[j]);
  }
  for (size_t j = 0; j < NC; ++j) c[j] = horizontalSum(acc[j]) + (bias ? bias[j] : 0.0f);
}

/** C = A·op(B) (+ bias), A stored [M, K], N ≤ kSkinnyMaxColumns: every row of A streamed once. */
template <size_t NC>
void fewColumns(size_t M, size_t K, const float* A, const float* bt, const float* bias, float* C, ThreadPool& pool) {
  runChunked(pool, M, std::max<size_t>(1, kTaskBytes / (4 * K)), [&](size_t begin, size_t rows) {
    for (size_t m = begin; m < begin + rows; ++m) rowDots<NC>(A + m * K, bt, K, bias, C + m * NC);
  });
}

/** acc[j][·] += Σ_r row_r · scale[r][j] over `count` ≤ 4 rows of length M (acc laid out [NC][M]). */
template <size_t NC>
void accumulateRows(const float* const* row, const float (*scale)[NC], size_t count, size_t M, float* acc) {
  const size_t whole = M / 8 * 8;
  const __m256i mask = tailMask(M - whole);
  auto step = [&](size_t m, bool tail) {
    __m256 a[4];
    for (size_t r = 0; r < count; ++r) a[r] = tail ? _mm256_maskload_ps(row[r] + m, mask) : _mm256_loadu_ps(row[r] + m);
    for (size_t j = 0; j < NC; ++j) {
      float* out = acc + j * M + m;
      __m256 sum = tail ? _mm256_maskload_ps(out, mask) : _mm256_loadu_ps(out);
      for (size_t r = 0; r < count; ++r) sum = _mm256_fmadd_ps(a[r], _mm256_set1_ps(scale[r][j]), sum);
      if (tail) {
        _mm256_maskstore_ps(out, mask, sum);
      } else {
        _mm256_storeu_ps(out, sum);
      }
    }
  };
  for (size_t m = 0; m < whole; m += 8) step(m, false);
  if (whole < M) step(whole, true);
}

/**
 * C = Aᵀ·op(B) (+ bias), A stored [K, M], N ≤ kSkinnyMaxColumns (a Dense kernel gradient xᵀ·dy): the K rows are cut
 * into tasks, each sums its rows into its own copy of C (laid out [N][M]), and the copies are added in task order.
 */
template <size_t NC>
void fewColumnsTransposed(size_t M, size_t K, const float* A, const float* B, bool transB, const float* bias, float* C,
                          ThreadPool& pool) {
  const size_t rowsPerTask = std::max({size_t{1}, kTaskBytes / (4 * M), (K + kMaxPartials - 1) / kMaxPartials});
  const size_t tasks = (K + rowsPerTask - 1) / rowsPerTask;
  std::vector<float> partial(tasks * NC * M, 0.0f);
  pool.run(static_cast<int>(tasks), [&](int task) {
    const size_t begin = static_cast<size_t>(task) * rowsPerTask;
    const size_t end = std::min(K, begin + rowsPerTask);
    float* acc = partial.data() + static_cast<size_t>(task) * NC * M;
    for (size_t k = begin; k < end; k += 4) {
      const size_t count = std::min<size_t>(4, end - k);
      const float* row[4];
      float scale[4][NC];
      for (size_t r = 0; r < count; ++r) {
        row[r] = A + (k + r) * M;
        for (size_t j = 0; j < NC; ++j) scale[r][j] = elementOfB(B, k + r, j, NC, K, transB);
      }
      accumulateRows<NC>(row, scale, count, M, acc);
    }
  });
  for (size_t m = 0; m < M; ++m) {
    for (size_t j = 0; j < NC; ++j) {
      float total = 0.0f;
      for (size_t t = 0; t < tasks; ++t) total += partial[(t * NC + j) * M + m];
      C[m * NC + j] = total + (bias ? bias[j] : 0.0f);
    }
  }
}

/** C = op(A)·op(B) (+ bias) with K ≤ kSkinnyMaxInner (a Dense(2) input gradient dy·Wᵀ): C written once, row by row. */
template <size_t KK>
void shortInner(size_t M, size_t N, const float* A, bool transA, const float* bRows, const float* bias, float* C,
                ThreadPool& pool) {
  const size_t whole = N / 8 * 8;
  const __m256i mask = tailMask(N - whole);
  runChunked(pool, M, std::max<size_t>(1, kTaskBytes / (4 * N)), [&](size_t begin, size_t rows) {
    for (size_t m = begin; m < begin + rows; ++m) {
      __m256 a[KK];
      for (size_t k = 0; k < KK; ++k) a[k] = _mm256_set1_ps(transA ? A[k * M + m] : A[m * KK + k]);
      float* out = C + m * N;
      auto step = [&](size_t n, bool tail) {
        __m256 sum = _mm256_setzero_ps();
        for (size_t k = 0; k < KK; ++k) {
          const float* b = bRows + k * N + n;
          sum = _mm256_fmadd_ps(a[k], tail ? _mm256_maskload_ps(b, mask) : _mm256_loadu_ps(b), sum);
        }
        if (bias) sum = _mm256_add_ps(sum, tail ? _mm256_maskload_ps(bias + n, mask) : _mm256_loadu_ps(bias + n));
        if (tail) {
          _mm256_maskstore_ps(out + n, mask, sum);
        } else {
          _mm256_storeu_ps(out + n, sum);
        }
      };
      for (size_t n = 0; n < whole; n += 8) step(n, false);
      if (whole < N) step(whole, true);
    }
  });
}

/** The instances of a kernel template for sizes 1 to 8, indexed by size − 1. */
#define BERTVISION_SIZES_1_TO_8(kernel) \
  { kernel<1>, kernel<2>, kernel<3>, kernel<4>, kernel<5>, kernel<6>, kernel<7>, kernel<8> }
constexpr decltype(&fewColumnsTransposed<1>) kFewColumnsTransposed[] = BERTVISION_SIZES_1_TO_8(fewColumnsTransposed);
constexpr decltype(&fewColumns<1>) kFewColumns[] = BERTVISION_SIZES_1_TO_8(fewColumns);
constexpr decltype(&shortInner<1>) kShortInner[] = BERTVISION_SIZES_1_TO_8(shortInner);
#undef BERTVISION_SIZES_1_TO_8

}  // namespace

void skinnyProductAvx2(size_t batch, size_t M, size_t N, size_t K, const float* A, long long strideA, bool transA,
                       const float* B, long long strideB, bool transB, const float* bias, float* C,
                       long long strideC, ThreadPool& pool) {
  const bool columnsForm = skinnyColumnsForm(M, N, transA);
  std::vector<float> packed;
  for (size_t b = 0; b < batch; ++b) {
    const float* a = A + static_cast<long long>(b) * strideA;
    const float* bm = B + static_cast<long long>(b) * strideB;
    float* c = C + static_cast<long long>(b) * strideC;
    if (columnsForm && transA) {
      kFewColumnsTransposed[N - 1](M, K, a, bm, transB, bias, c, pool);
    } else if (columnsForm) {
      const float* bt = columnsOfB(bm, N, K, transB, packed);
      kFewColumns[N - 1](M, K, a, bt, bias, c, pool);
    } else {
      const float* rows = rowsOfB(bm, N, K, transB, packed);
      kShortInner[K - 1](M, N, a, transA, rows, bias, c, pool);
    }
  }
}

}  // namespace bertvision
