// AVX2/FMA single-precision GEMM: packed panels and a register-blocked
// micro-kernel (the Goto/BLIS scheme), parallelised over a ThreadPool.
//
// Loop nest for one product C = op(A) · op(B) (M x N, depth K):
//   for jc in N step kNC:            B block columns  (packed B block lives in L3)
//     for pc in K step kc:           depth block, kc <= kMaxKC
//       pack op(B)[pc:pc+kc, jc:jc+kNC] into kNR-wide column panels  (all tasks)
//       each task, for its rows and panels of C:
//         for ic in its rows step kMC:   pack op(A)[ic:ic+kMC, pc:pc+kc] into kMR-row panels (L2)
//           for each B panel:            kc x kNR floats, stays in L1
//             for each A panel:          micro-kernel: kMR x kNR tile of C, C = or += A·B
// Transposes are absorbed by the packing routines; partial panels are padded
// with zeros, and partial tiles of C are written through a small local tile.
#include <immintrin.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <memory>
#include <new>

#include "gemm.h"

namespace bertvision {
namespace {

// Micro-tile: kMR rows x kNR columns of C held in 12 ymm accumulators; each
// step of k broadcasts kMR values of A and loads two vectors of B.
constexpr int kMR = 6;
constexpr int kNR = 16;
// Depth of a packed block. The B micro-panel (kc x kNR floats, 24 KiB at 384)
// stays in the 32 KiB L1d while the kernel walks over the A panels.
constexpr int kMaxKC = 384;
// Rows of a packed A block: kMC x kc floats (216 KiB at 144 x 384) stay in L2.
constexpr int kMC = 144;
// Columns of a packed B block: kc x kNC floats (3 MiB at most), kept in the
// shared L3 and read by every task.
constexpr int kNC = 2048;
// Products with fewer multiply-adds than this run on the calling thread only:
// waking the workers would cost more than it saves.
constexpr long long kMinParallelWork = 64LL * 64 * 64;

inline long long ceilDiv(long long a, long long b) { return (a + b - 1) / b; }

/** A 64-byte aligned float buffer; it grows to the largest size requested (bounded by the block sizes above). */
class PackBuffer {
 public:
  float* get(size_t count) {
    if (count > capacity_) {
      data_.reset(static_cast<float*>(::operator new(count * sizeof(float), std::align_val_t(64))));
      capacity_ = count;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(float* p) const { ::operator delete(p, std::align_val_t(64)); }
  };
  std::unique_ptr<float, Free> data_;
  size_t capacity_ = 0;
};

/** A row-major matrix as stored; op(X) is X itself or, when trans, its transpose. */
struct Operand {
  const float* data;
  long long ld;  // elements between consecutive stored rows
  bool trans;
};

/**
 * Packs kMR = 6 whole rows of A (each contiguous in k, `ld` apart, starting at
 * src) into one panel. Eight k at a time, the 6 x 8 block is transposed in
 * registers and written out as eight groups of six.
 */
void packSixRows(const float* src, long long ld, int kc, float* dst) {
  int k = 0;
  for (; k + 8 <= kc; k += 8, dst += 8 * kMR) {
    const float* s = src + k;
    const __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ld);
    const __m256 r2 = _mm256_loadu_ps(s + 2 * ld), r3 = _mm256_loadu_ps(s + 3 * ld);
    const __m256 r4 = _mm256_loadu_ps(s + 4 * ld), r5 = _mm256_loadu_ps(s + 5 * ld);
    // Interleave row pairs; per 128-bit lane (k and k+4): lo = k0 k0 k1 k1, hi = k2 k2 k3 k3.
    const __m256 lo01 = _mm256_unpacklo_ps(r0, r1), hi01 = _mm256_unpackhi_ps(r0, r1);
    const __m256 lo23 = _mm256_unpacklo_ps(r2, r3), hi23 = _mm256_unpackhi_ps(r2, r3);
    // rows0to3[j % 4] holds rows 0-3 of k = j in its low lane and of k = j + 4 in its high lane.
    const __m256 rows0to3[4] = {_mm256_shuffle_ps(lo01, lo23, 0x44), _mm256_shuffle_ps(lo01, lo23, 0xEE),
                                _mm256_shuffle_ps(hi01, hi23, 0x44), _mm256_shuffle_ps(hi01, hi23, 0xEE)};
    // Rows 4-5 of k = 0, 1 (2, 3) are the low and high halves of lo45's (hi45's) low lane.
    const __m256 rows4to5[2] = {_mm256_unpacklo_ps(r4, r5), _mm256_unpackhi_ps(r4, r5)};
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      const __m256 quad = rows0to3[j % 4], pair = rows4to5[j % 4 / 2];
      const __m128 quadLane = j < 4 ? _mm256_castps256_ps128(quad) : _mm256_extractf128_ps(quad, 1);
      const __m128 pairLane = j < 4 ? _mm256_castps256_ps128(pair) : _mm256_extractf128_ps(pair, 1);
      _mm_storeu_ps(dst + j * kMR, quadLane);
      __m64* pairOut = reinterpret_cast<__m64*>(dst + j * kMR + 4);
      if (j % 2 == 0) {
        _mm_storel_pi(pairOut, pairLane);
      } else {
        _mm_storeh_pi(pairOut, pairLane);
      }
    }
  }
  for (; k < kc; ++k, dst += kMR) {
    for (int i = 0; i < kMR; ++i) dst[i] = src[i * ld + k];
  }
}

/**
 * Packs op(A)[row0 : row0+rows, k0 : k0+kc] into ceil(rows/kMR) panels of
 * kc x kMR floats (element (i, k) of a panel at k*kMR + i), zero-padding rows.
 */
void packA(const Operand& a, int row0, int rows, int k0, int kc, float* dst) {
  for (int p = 0; p < rows; p += kMR, dst += kMR * kc) {
    const int live = std::min(kMR, rows - p);
    if (a.trans) {  // op(A) row i is stored column i: each k gives `live` adjacent values
      for (int k = 0; k < kc; ++k) {
        const float* src = a.data + (k0 + k) * a.ld + row0 + p;
        for (int i = 0; i < kMR; ++i) dst[k * kMR + i] = i < live ? src[i] : 0.0f;
      }
    } else if (live == kMR) {
      packSixRows(a.data + (row0 + p) * a.ld + k0, a.ld, kc, dst);
    } else {  // each op(A) row is contiguous in k
      for (int i = 0; i < live; ++i) {
        const float* src = a.data + (row0 + p + i) * a.ld + k0;
        for (int k = 0; k < kc; ++k) dst[k * kMR + i] = src[k];
      }
      for (int i = live; i < kMR; ++i) {
        for (int k = 0; k < kc; ++k) dst[k * kMR + i] = 0.0f;
      }
    }
  }
}

/**
 * Packs op(B)[k0 : k0+kc, col0 : col0+cols] into ceil(cols/kNR) panels of
 * kc x kNR floats (element (k, j) of a panel at k*kNR + j), zero-padding columns.
 */
void packB(const Operand& b, int k0, int kc, int col0, int cols, float* dst) {
  for (int p = 0; p < cols; p += kNR, dst += kNR * kc) {
    const int live = std::min(kNR, cols - p);
    if (b.trans) {  // op(B) column j is stored row j, contiguous in k
      for (int j = 0; j < live; ++j) {
        const float* src = b.data + (col0 + p + j) * b.ld + k0;
        for (int k = 0; k < kc; ++k) dst[k * kNR + j] = src[k];
      }
      for (int j = live; j < kNR; ++j) {
        for (int k = 0; k < kc; ++k) dst[k * kNR + j] = 0.0f;
      }
    } else if (live == kNR) {  // a full panel row is two unaligned vector loads
      for (int k = 0; k < kc; ++k) {
        const float* src = b.data + (k0 + k) * b.ld + col0 + p;
        _mm256_store_ps(dst + k * kNR, _mm256_loadu_ps(src));
        _mm256_store_ps(dst + k * kNR + 8, _mm256_loadu_ps(src + 8));
      }
    } else {
      for (int k = 0; k < kc; ++k) {
        const float* src = b.data + (k0 + k) * b.ld + col0 + p;
        for (int j = 0; j < kNR; ++j) dst[k * kNR + j] = j < live ? src[j] : 0.0f;
      }
    }
  }
}

/**
 * The rows x cols (at most kMR x kNR) tile of C at c is set to (or, when
 * accumulate, increased by) the product of packed panels a (kc x kMR) and
 * b (kc x kNR). b must be 32-byte aligned. kVectors = 1 computes only the
 * left 8 columns, for narrow edge panels (cols <= 8), at twice the speed.
 */
template <int kVectors>
void microKernel(int kc, const float* a, const float* b, float* c, long long ldc, int rows,
                 int cols, bool accumulate) {
  for (int i = 0; i < rows; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  // Twelve named accumulators: GCC keeps these in registers, whereas an
  // array of them is spilled to the stack on every step.
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#pragma GCC unroll 4
  for (int k = 0; k < kc; ++k, a += kMR, b += kNR) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    __m256 ai = _mm256_broadcast_ss(a);
    c00 = _mm256_fmadd_ps(ai, b0, c00);
    if (kVectors == 2) c01 = _mm256_fmadd_ps(ai, b1, c01);
    ai = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(ai, b0, c10);
    if (kVectors == 2) c11 = _mm256_fmadd_ps(ai, b1, c11);
    ai = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(ai, b0, c20);
    if (kVectors == 2) c21 = _mm256_fmadd_ps(ai, b1, c21);
    ai = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(ai, b0, c30);
    if (kVectors == 2) c31 = _mm256_fmadd_ps(ai, b1, c31);
    ai = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(ai, b0, c40);
    if (kVectors == 2) c41 = _mm256_fmadd_ps(ai, b1, c41);
    ai = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(ai, b0, c50);
    if (kVectors == 2) c51 = _mm256_fmadd_ps(ai, b1, c51);
  }
  __m256 acc[kMR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (kVectors == 2 && rows == kMR && cols == kNR) {
    for (int i = 0; i < kMR; ++i) {
      float* row = c + i * ldc;
      if (accumulate) {
        acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(row));
        acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(row + 8));
      }
      _mm256_storeu_ps(row, acc[i][0]);
      _mm256_storeu_ps(row + 8, acc[i][1]);
    }
    return;
  }
  alignas(32) float tile[kMR][kNR];
  for (int i = 0; i < kMR; ++i) {
    _mm256_store_ps(tile[i], acc[i][0]);
    _mm256_store_ps(tile[i] + 8, acc[i][1]);
  }
  for (int i = 0; i < rows; ++i) {
    float* row = c + i * ldc;
    for (int j = 0; j < cols; ++j) row[j] = accumulate ? row[j] + tile[i][j] : tile[i][j];
  }
}

/** One product C (M x N, ldc = N) = op(A) · op(B). */
struct Product {
  int M, N, K;
  Operand a, b;
  float* c;
};

/**
 * Splits C over `tasks` as a grid rowParts x colParts (rowParts * colParts ==
 * tasks) that minimises the largest task's share of micro-tiles; ties favour
 * splitting rows, so that tasks share the packed B block and pack disjoint A.
 */
void chooseGrid(int microRows, int panels, int tasks, int& rowParts, int& colParts) {
  long long bestWork = LLONG_MAX;
  for (int rowsSplit = tasks; rowsSplit >= 1; --rowsSplit) {
    if (tasks % rowsSplit != 0) continue;
    const long long work = ceilDiv(microRows, rowsSplit) * ceilDiv(panels, tasks / rowsSplit);
    if (work < bestWork) {
      bestWork = work;
      rowParts = rowsSplit;
      colParts = tasks / rowsSplit;
    }
  }
}

void multiply(const Product& p, ThreadPool& pool, float* packedB) {
  const bool parallel = static_cast<long long>(p.M) * p.N * p.K >= kMinParallelWork;
  const int tasks = parallel ? pool.size() : 1;
  const int microRows = static_cast<int>(ceilDiv(p.M, kMR));
  int rowParts = 1, colParts = 1;
  chooseGrid(microRows, static_cast<int>(ceilDiv(std::min(p.N, kNC), kNR)), tasks, rowParts, colParts);
  // Equal depth blocks: K = 386 gives two blocks of 193, not 384 + 2.
  const int kcStep = static_cast<int>(ceilDiv(p.K, ceilDiv(p.K, kMaxKC)));

  for (int jc = 0; jc < p.N; jc += kNC) {
    const int nc = std::min(kNC, p.N - jc);
    const int panels = static_cast<int>(ceilDiv(nc, kNR));
    for (int pc = 0; pc < p.K; pc += kcStep) {
      const int kc = std::min(kcStep, p.K - pc);
      pool.run(tasks, [&](int task) {  // pack the B block, panels split evenly over tasks
        const int first = panels * task / tasks, last = panels * (task + 1) / tasks;
        if (first == last) return;
        packB(p.b, pc, kc, jc + first * kNR, std::min(nc, last * kNR) - first * kNR,
              packedB + static_cast<size_t>(first) * kNR * kc);
      });
      pool.run(tasks, [&](int task) {  // multiply this task's part of the C block
        const int rowPart = task / colParts, colPart = task % colParts;
        const int rowBegin = microRows * rowPart / rowParts * kMR;
        const int rowEnd = std::min(p.M, microRows * (rowPart + 1) / rowParts * kMR);
        const int panelBegin = panels * colPart / colParts;
        const int panelEnd = panels * (colPart + 1) / colParts;
        static thread_local PackBuffer aBuffer;
        float* packedA = aBuffer.get(static_cast<size_t>(kMC) * kMaxKC);
        for (int ic = rowBegin; ic < rowEnd; ic += kMC) {
          const int mc = std::min(kMC, rowEnd - ic);
          packA(p.a, ic, mc, pc, kc, packedA);
          for (int q = panelBegin; q < panelEnd; ++q) {
            const float* panelB = packedB + static_cast<size_t>(q) * kNR * kc;
            const int cols = std::min(kNR, nc - q * kNR);
            for (int i = 0; i < mc; i += kMR) {
              float* tile = p.c + static_cast<long long>(ic + i) * p.N + jc + q * kNR;
              const float* panelA = packedA + static_cast<size_t>(i) * kc;
              const int rows = std::min(kMR, mc - i);
              if (cols > 8) {
                microKernel<2>(kc, panelA, panelB, tile, p.N, rows, cols, pc > 0);
              } else {
                microKernel<1>(kc, panelA, panelB, tile, p.N, rows, cols, pc > 0);
              }
            }
          }
        }
      });
    }
  }
}

}  // namespace

void sgemmAvx2(int batch, int M, int N, int K,
               const float* A, long long strideA, bool transA,
               const float* B, long long strideB, bool transB,
               float* C, long long strideC, ThreadPool& pool) {
  // A shared B with back-to-back A and C entries is one product with
  // batch * M rows: B is packed once and the work splits more evenly.
  if (batch > 1 && strideB == 0 && !transA && strideA == static_cast<long long>(M) * K &&
      strideC == static_cast<long long>(M) * N && static_cast<long long>(M) * batch <= INT_MAX) {
    M *= batch;
    batch = 1;
  }
  static thread_local PackBuffer bBuffer;
  float* packedB = bBuffer.get(static_cast<size_t>(ceilDiv(std::min(N, kNC), kNR)) * kNR *
                               std::min(K, kMaxKC));
  for (int entry = 0; entry < batch; ++entry) {
    const Product product{M, N, K,
                          Operand{A + entry * strideA, transA ? M : K, transA},
                          Operand{B + entry * strideB, transB ? K : N, transB},
                          C + entry * strideC};
    multiply(product, pool, packedB);
  }
}

}  // namespace bertvision
