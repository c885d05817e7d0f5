// The fused AdapterPooler weight gradients (adapter_gradients.h), compiled with -mavx2 -mfma: the GEMM's B operand is
// produced row by row of each depth block as g · dy (dy's layer axis transposed through a small scratch once per
// example), and each panel's column sums are kept per depth block, then added in block order.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "adapter_gradients.h"
#include "gemm.h"

namespace bertvision {
namespace {

constexpr int kPanel = kGemmPanelColumns;
static_assert(kPanel == 16, "the producer fills a panel row with two 8-lane vectors");

/**
 * op(B) = dz = g · dy (dy's last two axes swapped), computed as it is packed; column sums per depth block into
 * `blockSums` [blocks, A].
 */
class DerivativeTimesGradientPanels final : public PackedBSource {
 public:
  DerivativeTimesGradientPanels(const float* g, const float* dy, int n, int L, int A, float* blockSums)
      : g_(g), dy_(dy), n_(n), L_(L), A_(A), blockSums_(blockSums) {}

  void pack(int block, int k0, int kc, int col0, int cols, float* dst) const override {
    // Row by row of the depth block, all of this call's panels at once: g's row is read contiguously, and dy[i]'s
    // columns col0 : col0+cols (L contiguous floats each) are transposed once per i into dyT [L][width], so a panel
    // row is two loads of each. (Panel by panel, with an AVX2 gather per 8 lanes of dy, the pack was slower than the
    // separate GELU-gradient pass on Zen.)
    const int panels = (cols + kPanel - 1) / kPanel, width = panels * kPanel;
    std::vector<float> dyT(static_cast<size_t>(L_) * width, 0.0f);
    std::vector<float> gTail(kPanel, 0.0f);
    std::vector<__m256> sums(2 * static_cast<size_t>(panels), _mm256_setzero_ps());
    const int full = cols / kPanel, tail = cols - full * kPanel;
    long long i = k0 / L_;
    int l = k0 % L_;
    transposeDy(i, col0, cols, width, dyT.data());
    for (int k = 0; k < kc; ++k, ++l) {
      if (l == L_) {
        l = 0;
        transposeDy(++i, col0, cols, width, dyT.data());
      }
      const float* gRow = g_ + (static_cast<long long>(k0) + k) * A_ + col0;
      const float* dyRow = dyT.data() + static_cast<size_t>(l) * width;
      for (int q = 0; q < panels; ++q) {
        const float* gq = gRow + q * kPanel;
        if (q == full) {  // the last, partial panel: lanes past `tail` are zero in g and dy
          std::copy_n(gq, tail, gTail.data());
          gq = gTail.data();
        }
        const __m256 dzLo = _mm256_mul_ps(_mm256_loadu_ps(gq), _mm256_loadu_ps(dyRow + q * kPanel));
        const __m256 dzHi = _mm256_mul_ps(_mm256_loadu_ps(gq + 8), _mm256_loadu_ps(dyRow + q * kPanel + 8));
        float* out = dst + static_cast<size_t>(q) * kPanel * kc + static_cast<size_t>(k) * kPanel;
        _mm256_store_ps(out, dzLo);
        _mm256_store_ps(out + 8, dzHi);
        sums[2 * q] = _mm256_add_ps(sums[2 * q], dzLo);
        sums[2 * q + 1] = _mm256_add_ps(sums[2 * q + 1], dzHi);
      }
    }
    std::vector<float> flat(static_cast<size_t>(width));
    for (int q = 0; q < panels; ++q) {
      _mm256_storeu_ps(flat.data() + q * kPanel, sums[2 * q]);
      _mm256_storeu_ps(flat.data() + q * kPanel + 8, sums[2 * q + 1]);
    }
    std::copy_n(flat.data(), cols, blockSums_ + static_cast<size_t>(block) * A_ + col0);
  }

 private:
  /** dyT[l][j] = dy[i][col0 + j][l] for j < cols, rows `width` apart (the columns past `cols` stay zero). */
  void transposeDy(long long i, int col0, int cols, int width, float* dyT) const {
    const float* src = dy_ + i * A_ * L_ + static_cast<long long>(col0) * L_;
    // 8 x 8 blocks in registers where the eight 8-float row loads stay inside dy (a row of L < 8 floats reads into
    // the next one; the lanes past L are never stored); the rest element by element
    const float* end = dy_ + static_cast<long long>(n_) * A_ * L_;
    int j = 0;
    for (; j + 8 <= cols; j += 8) {
      const float* block = src + static_cast<long long>(j) * L_;
      for (int l0 = 0; l0 < L_; l0 += 8) {
        const int rowsOut = std::min(8, L_ - l0);
        if (block + 7LL * L_ + l0 + 8 > end) {
          for (int r = 0; r < 8; ++r) {
            for (int l = l0; l < l0 + rowsOut; ++l) dyT[static_cast<size_t>(l) * width + j + r] = block[r * L_ + l];
          }
          continue;
        }
        __m256 rows[8];
        for (int r = 0; r < 8; ++r) rows[r] = _mm256_loadu_ps(block + r * L_ + l0);
        transpose8x8(rows);
        for (int l = 0; l < rowsOut; ++l) _mm256_storeu_ps(dyT + static_cast<size_t>(l0 + l) * width + j, rows[l]);
      }
    }
    for (; j < cols; ++j) {
      for (int l = 0; l < L_; ++l) dyT[static_cast<size_t>(l) * width + j] = src[static_cast<long long>(j) * L_ + l];
    }
  }

  /** rows[r][c] becomes rows[c][r]. */
  static void transpose8x8(__m256 rows[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(rows[0], rows[1]), t1 = _mm256_unpackhi_ps(rows[0], rows[1]);
    const __m256 t2 = _mm256_unpacklo_ps(rows[2], rows[3]), t3 = _mm256_unpackhi_ps(rows[2], rows[3]);
    const __m256 t4 = _mm256_unpacklo_ps(rows[4], rows[5]), t5 = _mm256_unpackhi_ps(rows[4], rows[5]);
    const __m256 t6 = _mm256_unpacklo_ps(rows[6], rows[7]), t7 = _mm256_unpackhi_ps(rows[6], rows[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    rows[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    rows[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    rows[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    rows[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    rows[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    rows[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    rows[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    rows[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
  }

  const float* g_;
  const float* dy_;
  int n_, L_, A_;
  float* blockSums_;
};

}  // namespace

void adapterGeluTanhGradientsAvx2(int n, int E, int L, int A, const float* x, const float* g, const float* dy,
                                  float* dW, float* db, ThreadPool& pool) {
  const int K = n * L;
  if (K <= 0) {
    std::fill_n(dW, static_cast<size_t>(E) * A, 0.0f);
    std::fill_n(db, A, 0.0f);
    return;
  }
  std::vector<float> blockSums(static_cast<size_t>(gemmDepthBlocks(K)) * A);
  const DerivativeTimesGradientPanels panels(g, dy, n, L, A, blockSums.data());
  // x [n, E, L] as the stored matrix [E, n·L] with its columns in groups of L (gemm.h, GroupedColumns)
  sgemmAvx2GroupedAWithSource(E, A, K, x, GroupedColumns{L, L, static_cast<long long>(E) * L}, false, panels, dW, pool);
  std::copy_n(blockSums.data(), A, db);
  for (size_t b = 1; b < blockSums.size() / A; ++b) {
    for (int a = 0; a < A; ++a) db[a] += blockSums[b * A + a];
  }
}

}  // namespace bertvision
