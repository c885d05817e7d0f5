// The AdapterPooler + tanh-GELU + position-wise Dense(2) span head fused (adapter_head.h), compiled with -mavx2 -mfma.
// Forward: one pass over z, GELU on the way into two dot products per position. Backward: the adapter's kernel
// gradient product with its B operand dz produced as it is packed, from z (GELU and GELU' again, on the lanes the
// forward used), the logits' gradient and the head kernel; the head kernel's gradient and the column sums are kept per
// depth block and added in block order afterwards.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "adapter_head.h"
#include "gemm.h"
#include "gelu_lanes.h"

namespace bertvision {
namespace {

constexpr int kPanel = kGemmPanelColumns;
static_assert(kPanel == 16, "the producer fills a panel row with two 8-lane vectors");
static_assert(kAdapterHeadUnits == 2, "the lanes below carry two units");

int roundUp(int v, int multiple) { return (v + multiple - 1) / multiple * multiple; }

/** The head kernel w [A·L, 2] as wT[u][l][a], rows `width` (≥ A) apart, zero past A. */
std::vector<float> kernelByLayer(const float* w, int L, int A, int width) {
  std::vector<float> wT(static_cast<size_t>(kAdapterHeadUnits) * L * width, 0.0f);
  for (int a = 0; a < A; ++a) {
    for (int l = 0; l < L; ++l) {
      for (int u = 0; u < kAdapterHeadUnits; ++u) {
        wT[(static_cast<size_t>(u) * L + l) * width + a] = w[(static_cast<size_t>(a) * L + l) * kAdapterHeadUnits + u];
      }
    }
  }
  return wT;
}

/** The first `count` (< 8) values at p, zeros after them. */
inline __m256 loadTail(const float* p, int count) {
  alignas(32) float lanes[8] = {};
  std::copy_n(p, count, lanes);
  return _mm256_load_ps(lanes);
}

inline float horizontalSum(__m256 v) {
  const __m128 pair = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 two = _mm_add_ps(pair, _mm_movehl_ps(pair, pair));
  return _mm_cvtss_f32(_mm_add_ss(two, _mm_movehdup_ps(two)));
}

/**
 * op(B) = dz, computed as it is packed (see adapter_head.h); per depth block, dz's column sums into `blockSums`
 * [blocks, A] and the head kernel's gradient into `headSums` [blocks][2][L][width].
 */
class HeadGradientPanels final : public PackedBSource {
 public:
  HeadGradientPanels(const float* z, const float* dOut, const float* wT, int L, int A, int width, float* blockSums,
                     float* headSums)
      : z_(z), dOut_(dOut), wT_(wT), L_(L), A_(A), width_(width), blockSums_(blockSums), headSums_(headSums) {}

  void pack(int block, int k0, int kc, int col0, int cols, float* dst) const override {
    const int panels = (cols + kPanel - 1) / kPanel, full = cols / kPanel, tail = cols - full * kPanel;
    const size_t layerRows = static_cast<size_t>(L_) * width_;
    float* head = headSums_ + static_cast<size_t>(block) * kAdapterHeadUnits * layerRows;
    std::vector<__m256> sums(2 * static_cast<size_t>(panels), _mm256_setzero_ps());
    alignas(32) float zTail[kPanel], yTail[kPanel];
    long long i = k0 / L_;
    int l = k0 % L_;
    for (int k = 0; k < kc; ++k, ++l) {
      if (l == L_) {
        l = 0;
        ++i;
      }
      const __m256 d0 = _mm256_set1_ps(dOut_[kAdapterHeadUnits * i]);
      const __m256 d1 = _mm256_set1_ps(dOut_[kAdapterHeadUnits * i + 1]);
      const float* zRow = z_ + (static_cast<long long>(k0) + k) * A_ + col0;
      const size_t at = static_cast<size_t>(l) * width_ + col0;
      const float* w0 = wT_ + at;
      const float* w1 = wT_ + layerRows + at;
      float* h0 = head + at;
      float* h1 = head + layerRows + at;
      for (int q = 0; q < panels; ++q) {
        const bool partial = q == full;  // lanes past `tail` are zero in z and in wT, so dz and y are zero there
        const float* zq = zRow + q * kPanel;
        if (partial) {
          std::fill_n(zTail, kPanel, 0.0f);
          std::copy_n(zq, tail, zTail);
          zq = zTail;
        }
        float* out = dst + static_cast<size_t>(q) * kPanel * kc + static_cast<size_t>(k) * kPanel;
        for (int half = 0; half < kPanel; half += 8) {
          const int c = q * kPanel + half;
          __m256 y, g;
          gelu_lanes::geluWithDerivative8(_mm256_loadu_ps(zq + half), y, g);
          const __m256 dy = _mm256_fmadd_ps(d1, _mm256_loadu_ps(w1 + c), _mm256_mul_ps(d0, _mm256_loadu_ps(w0 + c)));
          const __m256 dz = _mm256_mul_ps(g, dy);
          _mm256_store_ps(out + half, dz);
          sums[2 * q + half / 8] = _mm256_add_ps(sums[2 * q + half / 8], dz);
          if (!partial) {
            _mm256_storeu_ps(h0 + c, _mm256_fmadd_ps(y, d0, _mm256_loadu_ps(h0 + c)));
            _mm256_storeu_ps(h1 + c, _mm256_fmadd_ps(y, d1, _mm256_loadu_ps(h1 + c)));
          } else {
            _mm256_store_ps(yTail + half, y);
          }
        }
        if (partial) {
          // another call of this block may own the columns past `tail` (a later column range): touch only ours
          const float u0 = dOut_[kAdapterHeadUnits * i], u1 = dOut_[kAdapterHeadUnits * i + 1];
          const int c = q * kPanel;
          for (int j = 0; j < tail; ++j) {
            h0[c + j] = yTail[j] * u0 + h0[c + j];
            h1[c + j] = yTail[j] * u1 + h1[c + j];
          }
        }
      }
    }
    alignas(32) float flat[kPanel];
    for (int q = 0; q < panels; ++q) {
      _mm256_store_ps(flat, sums[2 * q]);
      _mm256_store_ps(flat + 8, sums[2 * q + 1]);
      std::copy_n(flat, std::min(kPanel, cols - q * kPanel), blockSums_ + static_cast<size_t>(block) * A_ + col0 + q * kPanel);
    }
  }

 private:
  const float* z_;
  const float* dOut_;
  const float* wT_;
  int L_, A_, width_;
  float* blockSums_;
  float* headSums_;
};

}  // namespace

void adapterGeluTanhHeadForwardAvx2(int n, int L, int A, const float* z, const float* w, const float* b, float* out,
                                    ThreadPool& pool) {
  const int width = roundUp(A, 8), full = A / 8, tail = A - full * 8;
  const std::vector<float> wT = kernelByLayer(w, L, A, width);
  const size_t layerRows = static_cast<size_t>(L) * width;
  const int tasks = std::max(1, std::min(n, 4 * pool.size()));  // each position's sum is the same however split
  pool.run(tasks, [&](int task) {
    const long long first = static_cast<long long>(n) * task / tasks, last = static_cast<long long>(n) * (task + 1) / tasks;
    for (long long i = first; i < last; ++i) {
      __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
      for (int l = 0; l < L; ++l) {
        const float* zRow = z + (i * L + l) * A;
        const float* w0 = wT.data() + static_cast<size_t>(l) * width;
        const float* w1 = w0 + layerRows;
        for (int q = 0; q < full; ++q) {
          const __m256 y = gelu_lanes::gelu8(_mm256_loadu_ps(zRow + 8 * q));
          acc0 = _mm256_fmadd_ps(y, _mm256_loadu_ps(w0 + 8 * q), acc0);
          acc1 = _mm256_fmadd_ps(y, _mm256_loadu_ps(w1 + 8 * q), acc1);
        }
        if (tail > 0) {
          const __m256 y = gelu_lanes::gelu8(loadTail(zRow + 8 * full, tail));
          acc0 = _mm256_fmadd_ps(y, _mm256_loadu_ps(w0 + 8 * full), acc0);
          acc1 = _mm256_fmadd_ps(y, _mm256_loadu_ps(w1 + 8 * full), acc1);
        }
      }
      out[kAdapterHeadUnits * i] = b[0] + horizontalSum(acc0);
      out[kAdapterHeadUnits * i + 1] = b[1] + horizontalSum(acc1);
    }
  });
}

void adapterGeluTanhHeadGradientsAvx2(int n, int E, int L, int A, const float* x, const float* z, const float* dOut,
                                      const float* w, float* dWa, float* dba, float* dw, float* db, ThreadPool& pool) {
  const int K = n * L;
  const int width = roundUp(A, kPanel);
  const std::vector<float> wT = kernelByLayer(w, L, A, width);
  const size_t headBlock = static_cast<size_t>(kAdapterHeadUnits) * L * width;
  const int blocks = gemmDepthBlocks(K);
  std::vector<float> blockSums(static_cast<size_t>(blocks) * A);
  std::vector<float> headSums(static_cast<size_t>(blocks) * headBlock, 0.0f);
  const HeadGradientPanels panels(z, dOut, wT.data(), L, A, width, blockSums.data(), headSums.data());
  // x [n, E, L] as the stored matrix [E, n·L] with its columns in groups of L (gemm.h, GroupedColumns)
  sgemmAvx2GroupedAWithSource(E, A, K, x, GroupedColumns{L, L, static_cast<long long>(E) * L}, false, panels, dWa, pool);
  std::copy_n(blockSums.data(), A, dba);
  for (int b = 1; b < blocks; ++b) {
    for (int a = 0; a < A; ++a) dba[a] += blockSums[static_cast<size_t>(b) * A + a];
  }
  for (int a = 0; a < A; ++a) {
    for (int l = 0; l < L; ++l) {
      for (int u = 0; u < kAdapterHeadUnits; ++u) {
        const size_t at = (static_cast<size_t>(u) * L + l) * width + a;
        float sum = headSums[at];
        for (int b = 1; b < blocks; ++b) sum += headSums[static_cast<size_t>(b) * headBlock + at];
        dw[(static_cast<size_t>(a) * L + l) * kAdapterHeadUnits + u] = sum;
      }
    }
  }
  for (int u = 0; u < kAdapterHeadUnits; ++u) {
    float sum = 0.0f;
    for (int i = 0; i < n; ++i) sum += dOut[kAdapterHeadUnits * i + u];
    db[u] = sum;
  }
}

}  // namespace bertvision
