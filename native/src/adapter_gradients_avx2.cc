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
  DerivativeTimesGradientPanels(const float* g, const float* dy, int L, int A, float* blockSums)
      : g_(g), dy_(dy), L_(L), A_(A), blockSums_(blockSums) {}

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
    for (int j = 0; j < cols; ++j, src += L_) {
      for (int l = 0; l < L_; ++l) dyT[static_cast<size_t>(l) * width + j] = src[l];
    }
  }

  const float* g_;
  const float* dy_;
  int L_, A_;
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
  const DerivativeTimesGradientPanels panels(g, dy, L, A, blockSums.data());
  // x [n, E, L] as the stored matrix [E, n·L] with its columns in groups of L (gemm.h, GroupedColumns)
  sgemmAvx2GroupedAWithSource(E, A, K, x, GroupedColumns{L, L, static_cast<long long>(E) * L}, false, panels, dW, pool);
  std::copy_n(blockSums.data(), A, db);
  for (size_t b = 1; b < blockSums.size() / A; ++b) {
    for (int a = 0; a < A; ++a) db[a] += blockSums[b * A + a];
  }
}

}  // namespace bertvision
