// AVX2/FMA single-precision GEMM (compiled with -mavx2 -mfma): packed panels and a register-blocked micro-kernel in
// the Goto/BLIS scheme, parallelised over a ThreadPool.
//
// Loop nest for one product C = op(A) · op(B) (M x N, depth K):
//   for jc in N step kNC:                 column block of C and B
//     for pc in K step kc (<= kMaxKC):    depth block
//       pack op(B)[pc:+kc, jc:+kNC] into kNR-wide column panels (split over the threads; lives in L3)
//       tasks over the rows of C (claimed dynamically), each:
//         for ic in its rows step kMC:    pack op(A)[ic:+kMC, pc:+kc] into kMR-row panels (lives in L2)
//           for each B panel:             kc x kNR floats, stays in L1
//             for each A panel:           micro-kernel: kMR x kNR tile of C = (pc == 0) or += A panel · B panel
// Transposes are absorbed by the packing routines. Partial panels are padded with zeros; partial tiles of C are
// written through a small local tile.
#include <immintrin.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <memory>
#include <new>

#include "gemm.h"

namespace bertvision {
namespace {

// Micro-tile: kMR rows x kNR columns of C in 12 ymm accumulators; each step of k broadcasts kMR values of A and
// loads two vectors of B (8 loads for 12 FMAs).
constexpr int kMR = 6;
constexpr int kNR = kGemmPanelColumns;
// Depth of a packed block. The B micro-panel (kc x kNR floats, 32 KiB at 512) fills the 32 KiB L1d while the kernel
// walks over the A panels, which stream from L2. Deep blocks mean fewer read-modify-write passes over C (on Zen 4,
// 512 beat 256 and 384 by 5-15% with two threads). Depths are balanced: K = 600 gives two blocks of 300.
constexpr int kMaxKC = 512;
// Rows of a packed A block: kMC x kc floats (288 KiB at 144 x 512) stay in the 1 MiB L2 while all B panels pass.
constexpr int kMC = 144;
// Columns of a packed B block: kc x kNC floats (2 MiB at most), kept in the shared L3 and read by every task.
// A is packed again for each kNC columns.
constexpr int kNC = 1024;
// Products with fewer multiply-adds than this run on the calling thread only: waking workers would cost more.
constexpr long long kMinParallelWork = 64LL * 64 * 64;

inline long long ceilDiv(long long a, long long b) { return (a + b - 1) / b; }

/** The depth of every block but the last: K cut into balanced blocks of at most kMaxKC. */
inline int depthStep(int K) { return static_cast<int>(ceilDiv(K, ceilDiv(K, kMaxKC))); }

/** A 64-byte aligned float buffer that grows to the largest size asked for (bounded by the block sizes above). */
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
  int group = 0;  // > 0: stored columns grouped (see GroupedColumns)
  long long groupStride = 0;
};

/** Offset of stored column t of a grouped operand. */
inline long long groupedColumn(const Operand& a, long long t) {
  return (t / a.group) * a.groupStride + t % a.group;
}

/**
 * packA for an operand with grouped stored columns. op(A) = A: the depth is read in runs of up to `group` adjacent
 * values (one group, the same offset for every row), group by group for all of the call's rows, so each group's
 * rows x group block is read once, front to back; op(A) = Aᵀ: each k reads the panel's six rows at their six column
 * offsets.
 */
void packGroupedA(const Operand& a, int row0, int rows, int k0, int kc, float* dst) {
  const int panels = (rows + kMR - 1) / kMR;
  if (a.trans) {
    for (int p = 0; p < panels; ++p, dst += kMR * kc) {
      const int live = std::min(kMR, rows - p * kMR);
      if (live < kMR) std::fill_n(dst, kMR * kc, 0.0f);
      long long offset[kMR];
      for (int i = 0; i < live; ++i) offset[i] = groupedColumn(a, row0 + p * kMR + i);
      if (live == kMR) {  // unrolled
        const float* src = a.data + k0 * a.ld;
        for (int k = 0; k < kc; ++k, src += a.ld) {
          float* out = dst + k * kMR;
          out[0] = src[offset[0]];
          out[1] = src[offset[1]];
          out[2] = src[offset[2]];
          out[3] = src[offset[3]];
          out[4] = src[offset[4]];
          out[5] = src[offset[5]];
        }
        continue;
      }
      for (int k = 0; k < kc; ++k) {
        const float* src = a.data + (k0 + k) * a.ld;
        for (int i = 0; i < live; ++i) dst[k * kMR + i] = src[offset[i]];
      }
    }
    return;
  }
  const int lastLive = rows - (panels - 1) * kMR;
  float* lastPanel = dst + static_cast<size_t>(panels - 1) * kMR * kc;
  if (lastLive < kMR) std::fill_n(lastPanel, kMR * kc, 0.0f);
  const float* rowsBegin = a.data + static_cast<long long>(row0) * a.ld;
  const long long ld = a.ld;
  long long group = k0 / a.group;
  int within = k0 % a.group;
  for (int k = 0; k < kc; ++group, within = 0) {
    const int run = std::min(a.group - within, kc - k);
    const float* src = rowsBegin + group * a.groupStride + within;
    // full panels: six rows a run, unrolled (element (i, k + r) of the panel at (k + r) * kMR + i)
    for (int p = 0; p < panels - (lastLive < kMR ? 1 : 0); ++p) {
      const float* s = src + static_cast<long long>(p) * kMR * ld;
      float* out = dst + static_cast<size_t>(p) * kMR * kc + static_cast<size_t>(k) * kMR;
      for (int r = 0; r < run; ++r, out += kMR, ++s) {
        out[0] = s[0];
        out[1] = s[ld];
        out[2] = s[2 * ld];
        out[3] = s[3 * ld];
        out[4] = s[4 * ld];
        out[5] = s[5 * ld];
      }
    }
    if (lastLive < kMR) {
      const float* s = src + static_cast<long long>(panels - 1) * kMR * ld;
      for (int r = 0; r < run; ++r) {
        for (int i = 0; i < lastLive; ++i) lastPanel[(k + r) * kMR + i] = s[i * ld + r];
      }
    }
    k += run;
  }
}

/**
 * Packs kMR = 6 whole rows of A (each contiguous in k, `ld` apart, from src) into one panel. Eight k at a time, the
 * 6 x 8 block is transposed in registers and written out as eight groups of six.
 */
void packSixRows(const float* src, long long ld, int kc, float* dst) {
  int k = 0;
  for (; k + 8 <= kc; k += 8, dst += 8 * kMR) {
    const float* s = src + k;
    const __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ld), r2 = _mm256_loadu_ps(s + 2 * ld);
    const __m256 r3 = _mm256_loadu_ps(s + 3 * ld), r4 = _mm256_loadu_ps(s + 4 * ld), r5 = _mm256_loadu_ps(s + 5 * ld);
    // Interleave row pairs; per 128-bit lane (k and k+4): lo = k0 k0 k1 k1, hi = k2 k2 k3 k3.
    const __m256 lo01 = _mm256_unpacklo_ps(r0, r1), hi01 = _mm256_unpackhi_ps(r0, r1);
    const __m256 lo23 = _mm256_unpacklo_ps(r2, r3), hi23 = _mm256_unpackhi_ps(r2, r3);
    // rows0to3[j % 4] holds rows 0-3 of k = j in its low lane and of k = j + 4 in its high lane.
    const __m256 rows0to3[4] = {_mm256_shuffle_ps(lo01, lo23, 0x44), _mm256_shuffle_ps(lo01, lo23, 0xEE),
                                _mm256_shuffle_ps(hi01, hi23, 0x44), _mm256_shuffle_ps(hi01, hi23, 0xEE)};
    // Rows 4-5 of k = 0, 1 (2, 3) are the low and high halves of rows4to5[0]'s ([1]'s) low lane.
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
 * Packs op(A)[row0 : row0+rows, k0 : k0+kc] into ceil(rows/kMR) panels of kc x kMR floats (element (i, k) of a
 * panel at k*kMR + i). Rows past the end are zeros.
 */
void packA(const Operand& a, int row0, int rows, int k0, int kc, float* dst) {
  if (a.group > 0) {
    packGroupedA(a, row0, rows, k0, kc, dst);
    return;
  }
  for (int p = 0; p < rows; p += kMR, dst += kMR * kc) {
    const int live = std::min(kMR, rows - p);
    if (live < kMR) std::fill_n(dst, kMR * kc, 0.0f);
    if (a.trans) {  // op(A) row i is stored column i: each k holds `live` adjacent values
      for (int k = 0; k < kc; ++k) {
        const float* src = a.data + (k0 + k) * a.ld + row0 + p;
        for (int i = 0; i < live; ++i) dst[k * kMR + i] = src[i];
      }
    } else if (live == kMR) {
      packSixRows(a.data + (row0 + p) * a.ld + k0, a.ld, kc, dst);
    } else {  // each op(A) row is contiguous in k
      for (int i = 0; i < live; ++i) {
        const float* src = a.data + (row0 + p + i) * a.ld + k0;
        for (int k = 0; k < kc; ++k) dst[k * kMR + i] = src[k];
      }
    }
  }
}

/**
 * Packs op(B)[k0 : k0+kc, col0 : col0+cols] into ceil(cols/kNR) panels of kc x kNR floats (element (k, j) of a
 * panel at k*kNR + j). Columns past the end are zeros.
 */
void packB(const Operand& b, int k0, int kc, int col0, int cols, float* dst) {
  if (!b.trans) {  // row by row of B, all panels at once: each stored row is read once, front to back
    const int full = cols / kNR, tail = cols - full * kNR;
    if (tail > 0) std::fill_n(dst + static_cast<size_t>(full) * kNR * kc, kNR * kc, 0.0f);
    for (int k = 0; k < kc; ++k) {
      const float* src = b.data + (k0 + k) * b.ld + col0;
      float* out = dst + static_cast<size_t>(k) * kNR;
      for (int p = 0; p < full; ++p, src += kNR, out += static_cast<size_t>(kNR) * kc) {
        _mm256_store_ps(out, _mm256_loadu_ps(src));
        _mm256_store_ps(out + 8, _mm256_loadu_ps(src + 8));
      }
      for (int j = 0; j < tail; ++j) out[j] = src[j];
    }
    return;
  }
  for (int p = 0; p < cols; p += kNR, dst += kNR * kc) {  // op(B) column j is stored row j, contiguous in k
    const int live = std::min(kNR, cols - p);
    if (live < kNR) std::fill_n(dst, kNR * kc, 0.0f);
    for (int j = 0; j < live; ++j) {
      const float* src = b.data + (col0 + p + j) * b.ld + k0;
      for (int k = 0; k < kc; ++k) dst[k * kNR + j] = src[k];
    }
  }
}

/**
 * Sets (or, when accumulate, increases) the rows x cols tile of C at c (at most kMR x kNR) to the product of the
 * packed panels a (kc x kMR) and b (kc x kNR, 32-byte aligned), plus bias[j] on column j when bias is not null (the
 * first depth block of a product with a bias). kVectors = 1 computes only the left 8 columns, for narrow edge panels
 * (cols <= 8), at twice the speed.
 */
template <int kVectors>
void microKernel(int kc, const float* a, const float* b, float* c, long long ldc, int rows, int cols,
                 bool accumulate, const float* bias) {
  for (int i = 0; i < rows; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  // Twelve named accumulators: GCC keeps these in registers, whereas an array of them is spilled on every step.
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  // One row of the tile: broadcast a value of A, multiply-add it with the B vectors into the row's accumulators.
  auto row = [](const float* ai, __m256 b0, __m256 b1, __m256& left, __m256& right) {
    const __m256 value = _mm256_broadcast_ss(ai);
    left = _mm256_fmadd_ps(value, b0, left);
    if (kVectors == 2) right = _mm256_fmadd_ps(value, b1, right);
  };
#pragma GCC unroll 4
  for (int k = 0; k < kc; ++k, a += kMR, b += kNR) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    row(a, b0, b1, c00, c01);
    row(a + 1, b0, b1, c10, c11);
    row(a + 2, b0, b1, c20, c21);
    row(a + 3, b0, b1, c30, c31);
    row(a + 4, b0, b1, c40, c41);
    row(a + 5, b0, b1, c50, c51);
  }
  __m256 acc[kMR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (kVectors == 2 && rows == kMR && cols == kNR) {
    const __m256 bias0 = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
    const __m256 bias1 = bias ? _mm256_loadu_ps(bias + 8) : _mm256_setzero_ps();
    for (int i = 0; i < kMR; ++i) {
      float* out = c + i * ldc;
      if (bias) {
        acc[i][0] = _mm256_add_ps(acc[i][0], bias0);
        acc[i][1] = _mm256_add_ps(acc[i][1], bias1);
      }
      if (accumulate) {
        acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(out));
        acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(out + 8));
      }
      _mm256_storeu_ps(out, acc[i][0]);
      _mm256_storeu_ps(out + 8, acc[i][1]);
    }
    return;
  }
  alignas(32) float tile[kMR][kNR];
  for (int i = 0; i < kMR; ++i) {
    _mm256_store_ps(tile[i], acc[i][0]);
    _mm256_store_ps(tile[i] + 8, acc[i][1]);
  }
  for (int i = 0; i < rows; ++i) {
    float* out = c + i * ldc;
    for (int j = 0; j < cols; ++j) {
      const float value = bias ? tile[i][j] + bias[j] : tile[i][j];
      out[j] = accumulate ? out[j] + value : value;
    }
  }
}

/** One product C (M x N, ldc = N) = op(A) · op(B) (+ bias[j] on every row when bias is not null). */
struct Product {
  int M, N, K;
  Operand a, b;
  float* c;
  const float* bias = nullptr;
  const PackedBSource* source = nullptr;  // op(B) produced as it is packed (p.b unused)
};

/** The packed B block of one (jc, pc) step: op(B)[pc : pc+kc, jc : jc+nc]. */
struct BBlock {
  const float* packed;
  int jc, nc, pc, kc;
  bool accumulate;  // add to C (a later depth block of the same sum) instead of setting it
};

/** C[rowBegin:rowEnd, B panels panelBegin..panelEnd-1 of the block] = (or, when accumulating, +=) op(A) · B block. */
void multiplyRows(const Product& p, const BBlock& block, int rowBegin, int rowEnd, int panelBegin, int panelEnd) {
  static thread_local PackBuffer aBuffer;
  float* packedA = aBuffer.get(static_cast<size_t>(kMC) * kMaxKC);
  for (int ic = rowBegin; ic < rowEnd; ic += kMC) {
    const int mc = std::min(kMC, rowEnd - ic);
    packA(p.a, ic, mc, block.pc, block.kc, packedA);
    for (int q = panelBegin; q < panelEnd; ++q) {
      const float* panelB = block.packed + static_cast<size_t>(q) * kNR * block.kc;
      const int cols = std::min(kNR, block.nc - q * kNR);
      for (int i = 0; i < mc; i += kMR) {
        const float* panelA = packedA + static_cast<size_t>(i) * block.kc;
        float* tile = p.c + static_cast<long long>(ic + i) * p.N + block.jc + q * kNR;
        const int rows = std::min(kMR, mc - i);
        // the bias goes in with the first depth block, which sets C
        const float* bias = p.bias && block.pc == 0 ? p.bias + block.jc + q * kNR : nullptr;
        if (cols > 8) {
          microKernel<2>(block.kc, panelA, panelB, tile, p.N, rows, cols, block.accumulate, bias);
        } else {
          microKernel<1>(block.kc, panelA, panelB, tile, p.N, rows, cols, block.accumulate, bias);
        }
      }
    }
  }
}

/** Depth blocks per segment of a split sum: a segment's work is about that many of the blocks' products. */
constexpr int kSegmentBlocks = 6;
/** Largest C (floats) a split sum keeps one private copy of per segment. */
constexpr long long kMaxSegmentFloats = 1LL << 20;

/**
 * How many segments a product's depth is summed in: more than one for a long depth behind a small C (a kernel
 * gradient: `[E, A]` summed over every row of a batch), where cutting each depth block's work over the threads
 * would leave two thread-pool barriers per block around a few hundred microseconds of work each. A function of the
 * shape only, never of the thread count, so the sums (and their bits) do not depend on the threads.
 */
int depthSegments(const Product& p) {
  const long long blocks = ceilDiv(p.K, depthStep(p.K));
  if (p.bias != nullptr || p.N > kNC || blocks < 2 * kSegmentBlocks ||
      static_cast<long long>(p.M) * p.N > kMaxSegmentFloats ||
      static_cast<long long>(p.M) * p.N * p.K < kMinParallelWork) {
    return 1;
  }
  return static_cast<int>(std::min<long long>(8, blocks / kSegmentBlocks));
}

/**
 * op(A) · op(B) as `segments` partial sums over consecutive runs of depth blocks, one task each (its own packed B,
 * all of C's rows), the first into C and the rest into private copies, then added to C in segment order.
 */
void multiplySegments(const Product& p, int segments, ThreadPool& pool) {
  const int kcStep = depthStep(p.K);
  const int blocks = static_cast<int>(ceilDiv(p.K, kcStep));
  const size_t size = static_cast<size_t>(p.M) * p.N;
  static thread_local PackBuffer partials;  // the calling thread's, reused (no fresh pages per call)
  float* partial = partials.get(size * (segments - 1));
  const int panels = static_cast<int>(ceilDiv(p.N, kNR));
  pool.run(segments, [&](int segment) {
    static thread_local PackBuffer bBuffer;
    float* packed = bBuffer.get(static_cast<size_t>(panels) * kNR * std::min(p.K, kMaxKC));
    Product part = p;
    part.c = segment == 0 ? p.c : partial + size * (segment - 1);
    const int first = blocks * segment / segments, last = blocks * (segment + 1) / segments;
    for (int b = first; b < last; ++b) {
      const int pc = b * kcStep;
      const BBlock block{packed, 0, p.N, pc, std::min(kcStep, p.K - pc), b > first};
      if (p.source) {
        p.source->pack(b, pc, block.kc, 0, p.N, packed);
      } else {
        packB(p.b, pc, block.kc, 0, p.N, packed);
      }
      multiplyRows(part, block, 0, p.M, 0, panels);
    }
  });
  const int threads = pool.size();
  pool.run(threads, [&](int task) {
    const size_t begin = size * task / threads, end = size * (task + 1) / threads;
    for (int s = 1; s < segments; ++s) {
      const float* add = partial + size * (s - 1);
      for (size_t i = begin; i < end; ++i) p.c[i] += add[i];
    }
  });
}

void multiply(const Product& p, ThreadPool& pool, float* packedB) {
  if (const int segments = depthSegments(p); segments > 1) {
    multiplySegments(p, segments, pool);
    return;
  }
  const int threads = static_cast<long long>(p.M) * p.N * p.K >= kMinParallelWork ? pool.size() : 1;
  // Compute tasks. Normally the rows are cut into equal chunks of about kMC rows, a multiple of the thread count of
  // them: each task packs only its own rows of A, all share the packed B block, and as tasks are claimed
  // dynamically, a thread slowed by other load simply takes fewer. With fewer micro-rows than threads, the B panels
  // are split instead.
  const long long microRows = ceilDiv(p.M, kMR);
  const bool splitPanels = microRows < threads;
  const long long rowParts = splitPanels ? 1 : std::min(microRows, threads * ceilDiv(ceilDiv(p.M, kMC), threads));
  const int panelParts = splitPanels ? threads : 1;
  const int kcStep = depthStep(p.K);

  for (int jc = 0; jc < p.N; jc += kNC) {
    const int nc = std::min(kNC, p.N - jc);
    const int panels = static_cast<int>(ceilDiv(nc, kNR));
    for (int pc = 0; pc < p.K; pc += kcStep) {
      const BBlock block{packedB, jc, nc, pc, std::min(kcStep, p.K - pc), pc > 0};
      pool.run(threads, [&](int task) {  // pack the B block, its panels split evenly over the threads
        const int first = panels * task / threads, last = panels * (task + 1) / threads;
        if (first == last) return;
        const int col0 = jc + first * kNR, cols = std::min(nc, last * kNR) - first * kNR;
        float* dst = packedB + static_cast<size_t>(first) * kNR * block.kc;
        if (p.source) {
          p.source->pack(pc / kcStep, pc, block.kc, col0, cols, dst);
        } else {
          packB(p.b, pc, block.kc, col0, cols, dst);
        }
      });
      pool.run(static_cast<int>(rowParts) * panelParts, [&](int task) {
        const long long rowPart = task / panelParts, panelPart = task % panelParts;
        multiplyRows(p, block, static_cast<int>(microRows * rowPart / rowParts * kMR),
                     static_cast<int>(std::min<long long>(p.M, microRows * (rowPart + 1) / rowParts * kMR)),
                     static_cast<int>(panels * panelPart / panelParts),
                     static_cast<int>(panels * (panelPart + 1) / panelParts));
      });
    }
  }
}

/** The calling thread's buffer for one packed B block of a product with N columns and depth K. */
float* packedBBuffer(int N, int K) {
  static thread_local PackBuffer bBuffer;
  return bBuffer.get(static_cast<size_t>(ceilDiv(std::min(N, kNC), kNR)) * kNR * std::min(K, kMaxKC));
}

}  // namespace

int gemmDepthBlocks(int K) { return K <= 0 ? 0 : static_cast<int>(ceilDiv(K, depthStep(K))); }

void sgemmAvx2(int batch, int M, int N, int K,
               const float* A, long long strideA, bool transA,
               const float* B, long long strideB, bool transB,
               float* C, long long strideC, ThreadPool& pool) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  if (K <= 0) {  // an empty sum
    for (int entry = 0; entry < batch; ++entry) std::fill_n(C + entry * strideC, static_cast<size_t>(M) * N, 0.0f);
    return;
  }
  // A shared B with back-to-back A and C entries is one product with batch * M rows: B is packed once.
  if (batch > 1 && strideB == 0 && !transA && strideA == static_cast<long long>(M) * K &&
      strideC == static_cast<long long>(M) * N && static_cast<long long>(M) * batch <= INT_MAX) {
    M *= batch;
    batch = 1;
  }
  float* packedB = packedBBuffer(N, K);
  for (int entry = 0; entry < batch; ++entry) {
    const Product product{M, N, K, Operand{A + entry * strideA, transA ? M : K, transA},
                          Operand{B + entry * strideB, transB ? K : N, transB}, C + entry * strideC};
    multiply(product, pool, packedB);
  }
}

void sgemmAvx2GroupedA(int M, int N, int K, const float* A, GroupedColumns layout, bool transA,
                       const float* B, bool transB, float* C, ThreadPool& pool, const float* bias) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (long long i = 0; i < static_cast<long long>(M) * N; ++i) C[i] = bias ? bias[i % N] : 0.0f;
    return;
  }
  float* packedB = packedBBuffer(N, K);
  Operand a{A, layout.ld, transA, layout.group, layout.groupStride};
  const Product product{M, N, K, a, Operand{B, transB ? K : N, transB}, C, bias};
  multiply(product, pool, packedB);
}

void sgemmAvx2GroupedAWithSource(int M, int N, int K, const float* A, GroupedColumns layout, bool transA,
                                 const PackedBSource& b, float* C, ThreadPool& pool) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    std::fill_n(C, static_cast<size_t>(M) * N, 0.0f);
    return;
  }
  float* packedB = packedBBuffer(N, K);
  Product product{M, N, K, Operand{A, layout.ld, transA, layout.group, layout.groupStride}, Operand{nullptr, N, false}, C};
  product.source = &b;
  multiply(product, pool, packedB);
}

}  // namespace bertvision
