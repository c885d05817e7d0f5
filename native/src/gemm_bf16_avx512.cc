// AVX-512 BF16 matrix product (compiled with -mavx512f -mavx512bw -mavx512vl -mavx512bf16): the operands are rounded
// to bfloat16 (round to nearest even, _mm512_cvtne2ps_pbh) while they are packed, and multiplied with vdpbf16ps
// (_mm512_dpbf16_ps), which takes pairs of bf16 along k and accumulates in float32. Same Goto/BLIS loop nest, task split
// and thread pool as the float32 kernel (gemm_avx2.cc): see the comment there.
//
// Only ever called after cpuHasAvx512Bf16() (napi_helpers.cc) said yes: nothing in this file runs at load time, so the
// binary still loads and runs on CPUs without AVX-512. native/build.mjs links this object last, so that where an inline
// function of a shared header is also instantiated here, the linker keeps another unit's (baseline ISA) copy.
//
// Packed layouts (one 32-bit word = the bf16 pair (k, k+1) of one row or column, k even, low half = k):
//   A panel: kMR rows x ceil(kc/2) pairs, word (i, p) at p*kMR + i        (a pair is broadcast to all 16 lanes)
//   B panel: ceil(kc/2) pairs x kNR columns, word (p, j) at p*kNR + j     (two zmm of 16 columns per pair)
// An odd depth pads the last pair with a zero; partial panels are padded with zeros.
#include <immintrin.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "gemm.h"

namespace bertvision {
namespace {

// Micro-tile: kMR rows x kNR columns of C in 24 zmm accumulators; each pair of k broadcasts kMR pairs of A and loads
// two vectors of B (14 loads for 24 vdpbf16ps, each 32 multiply-adds).
constexpr int kMR = 12;
constexpr int kNR = 32;
// Depth of a packed block, in k (even). The B micro-panel (kc/2 x kNR words, 32 KiB at 512) stays in L1.
constexpr int kMaxKC = 512;
// Rows of a packed A block: kMC x kc bf16 (288 KiB at 288 x 512) stay in L2 while all B panels pass.
constexpr int kMC = 288;
// Columns of a packed B block (kc x kNC bf16, 1 MiB at most), shared by every task.
constexpr int kNC = 1024;
constexpr long long kMinParallelWork = 64LL * 64 * 64;

inline long long ceilDiv(long long a, long long b) { return (a + b - 1) / b; }
inline int minInt(int a, int b) { return a < b ? a : b; }
inline long long minLong(long long a, long long b) { return a < b ? a : b; }
inline __mmask16 firstLanes(int n) { return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1); }

/** A 64-byte aligned word buffer that grows to the largest size asked for. */
class WordBuffer {
 public:
  uint32_t* get(size_t count) {
    if (count > capacity_) {
      data_.reset(static_cast<uint32_t*>(::operator new(count * sizeof(uint32_t), std::align_val_t(64))));
      capacity_ = count;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(uint32_t* p) const { ::operator delete(p, std::align_val_t(64)); }
  };
  std::unique_ptr<uint32_t, Free> data_;
  size_t capacity_ = 0;
};

struct Operand {
  const float* data;
  long long ld;
  bool trans;
};

/** Word permutation that interleaves the two halves of a vector of 32 bf16: out 2i = in i, out 2i+1 = in 16+i. */
alignas(64) const uint16_t kInterleave[32] = {0, 16, 1, 17, 2,  18, 3,  19, 4,  20, 5,  21, 6,  22, 7,  23,
                                             8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};

/**
 * Pairs of two stored rows: n <= 16 adjacent values of row k (lo) and of row k+1 (hi, or zeros when null) become n
 * words (lo[j], hi[j]) at dst. Used where adjacent values of op(X) along k lie in different stored rows.
 */
inline void pairRows(const float* lo, const float* hi, int n, uint32_t* dst) {
  const __mmask16 mask = firstLanes(n);
  const __m512 vlo = _mm512_maskz_loadu_ps(mask, lo);
  const __m512 vhi = hi != nullptr ? _mm512_maskz_loadu_ps(mask, hi) : _mm512_setzero_ps();
  const __m512i halves = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(vhi, vlo));  // words 0-15 lo, 16-31 hi
  const __m512i pairs = _mm512_permutexvar_epi16(_mm512_load_si512(kInterleave), halves);
  _mm512_mask_storeu_epi32(dst, mask, pairs);
}

/**
 * Pairs along one stored row that is contiguous in k (kc values from src): word p = (src[2p], src[2p+1]) is written
 * at dst[p * step], for p < ceil(kc/2); an odd kc pads the last word with a zero.
 */
inline void pairAlongRow(const float* src, int kc, uint32_t* dst, int step) {
  alignas(64) uint32_t words[16];
  for (int k = 0; k < kc; k += 32, dst += 16 * step) {
    const int n = minInt(32, kc - k);
    const __m512 lo = _mm512_maskz_loadu_ps(firstLanes(n), src + k);
    const __m512 hi = n > 16 ? _mm512_maskz_loadu_ps(firstLanes(n - 16), src + k + 16) : _mm512_setzero_ps();
    _mm512_store_si512(words, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo)));
    const int pairs = (n + 1) / 2;
    for (int p = 0; p < pairs; ++p) dst[p * step] = words[p];
  }
}

/**
 * Transposes the 4 x 4 blocks of 128-bit lanes of s[0..3]: lane g of out[L] = lane L of s[g] (s[3] may be zeros).
 */
inline void transposeLanes(const __m512i s[4], __m512i out[4]) {
  const __m512i v0 = _mm512_shuffle_i32x4(s[0], s[1], 0x44), v1 = _mm512_shuffle_i32x4(s[0], s[1], 0xEE);
  const __m512i v2 = _mm512_shuffle_i32x4(s[2], s[3], 0x44), v3 = _mm512_shuffle_i32x4(s[2], s[3], 0xEE);
  out[0] = _mm512_shuffle_i32x4(v0, v2, 0x88);
  out[1] = _mm512_shuffle_i32x4(v0, v2, 0xDD);
  out[2] = _mm512_shuffle_i32x4(v1, v3, 0x88);
  out[3] = _mm512_shuffle_i32x4(v1, v3, 0xDD);
}

/**
 * Packs kMR = 12 whole rows of A (each contiguous in k, `ld` apart) into one panel: 32 k (16 pairs) at a time, the
 * 12 x 16 block of words is transposed in registers (a 16 x 16 transpose with four zero rows) and written out as 16
 * groups of 12. The last kc % 32 values go through pairAlongRow.
 */
void packTwelveRows(const float* src, long long ld, int kc, uint32_t* dst) {
  int k = 0;
  for (; k + 32 <= kc; k += 32, dst += 16 * kMR) {
    __m512i r[kMR];
#pragma GCC unroll 12
    for (int i = 0; i < kMR; ++i) {
      const float* row = src + i * ld + k;
      r[i] = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(_mm512_loadu_ps(row + 16), _mm512_loadu_ps(row)));
    }
    // s[g][j], lane L: word (pair) 4L + j of rows 4g .. 4g+3
    __m512i s[4][4];
#pragma GCC unroll 3
    for (int g = 0; g < 3; ++g) {
      const __m512i t0 = _mm512_unpacklo_epi32(r[4 * g], r[4 * g + 1]), t1 = _mm512_unpackhi_epi32(r[4 * g], r[4 * g + 1]);
      const __m512i t2 = _mm512_unpacklo_epi32(r[4 * g + 2], r[4 * g + 3]);
      const __m512i t3 = _mm512_unpackhi_epi32(r[4 * g + 2], r[4 * g + 3]);
      s[0][g] = _mm512_unpacklo_epi64(t0, t2);
      s[1][g] = _mm512_unpackhi_epi64(t0, t2);
      s[2][g] = _mm512_unpacklo_epi64(t1, t3);
      s[3][g] = _mm512_unpackhi_epi64(t1, t3);
    }
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      s[j][3] = _mm512_setzero_si512();
      __m512i out[4];
      transposeLanes(s[j], out);  // out[L]: pair 4L + j of rows 0..15
#pragma GCC unroll 4
      for (int L = 0; L < 4; ++L) _mm512_mask_storeu_epi32(dst + (4 * L + j) * kMR, 0x0FFF, out[L]);
    }
  }
  if (k < kc) {
    for (int i = 0; i < kMR; ++i) pairAlongRow(src + i * ld + k, kc - k, dst + i, kMR);
  }
}

/** Packs op(A)[row0 : row0+rows, k0 : k0+kc] into ceil(rows/kMR) panels of ceil(kc/2) x kMR words. */
void packA(const Operand& a, int row0, int rows, int k0, int kc, uint32_t* dst) {
  const int pairs = (kc + 1) / 2;
  for (int p = 0; p < rows; p += kMR, dst += static_cast<size_t>(kMR) * pairs) {
    const int live = minInt(kMR, rows - p);
    if (live < kMR) std::memset(dst, 0, sizeof(uint32_t) * kMR * pairs);
    if (a.trans) {  // op(A) row i is stored column i: rows k and k+1 hold `live` adjacent values each
      for (int q = 0; q < pairs; ++q) {
        const float* lo = a.data + static_cast<long long>(k0 + 2 * q) * a.ld + row0 + p;
        pairRows(lo, 2 * q + 1 < kc ? lo + a.ld : nullptr, live, dst + q * kMR);
      }
    } else if (live == kMR) {
      packTwelveRows(a.data + static_cast<long long>(row0 + p) * a.ld + k0, a.ld, kc, dst);
    } else {
      for (int i = 0; i < live; ++i) pairAlongRow(a.data + static_cast<long long>(row0 + p + i) * a.ld + k0, kc, dst + i, kMR);
    }
  }
}

/** Packs op(B)[k0 : k0+kc, col0 : col0+cols] into ceil(cols/kNR) panels of ceil(kc/2) x kNR words. */
void packB(const Operand& b, int k0, int kc, int col0, int cols, uint32_t* dst) {
  const int pairs = (kc + 1) / 2;
  for (int p = 0; p < cols; p += kNR, dst += static_cast<size_t>(kNR) * pairs) {
    const int live = minInt(kNR, cols - p);
    if (live < kNR) std::memset(dst, 0, sizeof(uint32_t) * kNR * pairs);
    if (b.trans) {  // op(B) column j is stored row j, contiguous in k
      for (int j = 0; j < live; ++j) pairAlongRow(b.data + static_cast<long long>(col0 + p + j) * b.ld + k0, kc, dst + j, kNR);
    } else {  // stored rows k and k+1 hold the panel's columns side by side
      for (int q = 0; q < pairs; ++q) {
        const float* lo = b.data + static_cast<long long>(k0 + 2 * q) * b.ld + col0 + p;
        const float* hi = 2 * q + 1 < kc ? lo + b.ld : nullptr;
        pairRows(lo, hi, minInt(16, live), dst + q * kNR);
        if (live > 16) pairRows(lo + 16, hi != nullptr ? hi + 16 : nullptr, live - 16, dst + q * kNR + 16);
      }
    }
  }
}

#define BV_ACC(i) __m512 c##i##_0 = _mm512_setzero_ps(), c##i##_1 = _mm512_setzero_ps();
#define BV_ROW(i)                                                                             \
  {                                                                                           \
    const __m512bh value = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(a[i]))); \
    c##i##_0 = _mm512_dpbf16_ps(c##i##_0, value, b0);                                         \
    if (kVectors == 2) c##i##_1 = _mm512_dpbf16_ps(c##i##_1, value, b1);                      \
  }
#define BV_ALL(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

/**
 * Sets (or, when accumulate, increases) the rows x cols tile of C at c (at most kMR x kNR) to the product of the
 * packed panels a (pairs x kMR words) and b (pairs x kNR words, 64-byte aligned). kVectors = 1 computes only the left
 * 16 columns, for narrow edge panels (cols <= 16).
 */
template <int kVectors>
void microKernel(int pairs, const uint32_t* a, const uint32_t* b, float* c, long long ldc, int rows, int cols,
                 bool accumulate) {
  for (int i = 0; i < rows; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  BV_ALL(BV_ACC)
#pragma GCC unroll 2
  for (int q = 0; q < pairs; ++q, a += kMR, b += kNR) {
    const __m512bh b0 = reinterpret_cast<__m512bh>(_mm512_load_si512(b));
    const __m512bh b1 = kVectors == 2 ? reinterpret_cast<__m512bh>(_mm512_load_si512(b + 16)) : b0;
    BV_ALL(BV_ROW)
  }
  const __m512 acc[kMR][2] = {{c0_0, c0_1}, {c1_0, c1_1}, {c2_0, c2_1},   {c3_0, c3_1},   {c4_0, c4_1},   {c5_0, c5_1},
                              {c6_0, c6_1}, {c7_0, c7_1}, {c8_0, c8_1}, {c9_0, c9_1}, {c10_0, c10_1}, {c11_0, c11_1}};
  const bool full = rows == kMR && cols == 16 * kVectors;
  const __mmask16 left = full ? static_cast<__mmask16>(0xFFFF) : firstLanes(cols);
  const __mmask16 right = full ? static_cast<__mmask16>(0xFFFF) : (cols > 16 ? firstLanes(cols - 16) : 0);
  for (int i = 0; i < rows; ++i) {
    float* out = c + i * ldc;
    __m512 v0 = acc[i][0], v1 = acc[i][1];
    if (accumulate) v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(left, out));
    _mm512_mask_storeu_ps(out, left, v0);
    if (kVectors == 2) {
      if (accumulate) v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(right, out + 16));
      _mm512_mask_storeu_ps(out + 16, right, v1);
    }
  }
}

#undef BV_ACC
#undef BV_ROW
#undef BV_ALL

struct Product {
  int M, N, K;
  Operand a, b;
  float* c;
};

struct BBlock {
  const uint32_t* packed;
  int jc, nc, pc, kc;
};

void multiplyRows(const Product& p, const BBlock& block, int rowBegin, int rowEnd, int panelBegin, int panelEnd) {
  static thread_local WordBuffer aBuffer;
  uint32_t* packedA = aBuffer.get(static_cast<size_t>(kMC) * (kMaxKC / 2));
  const int pairs = (block.kc + 1) / 2;
  for (int ic = rowBegin; ic < rowEnd; ic += kMC) {
    const int mc = minInt(kMC, rowEnd - ic);
    packA(p.a, ic, mc, block.pc, block.kc, packedA);
    for (int q = panelBegin; q < panelEnd; ++q) {
      const uint32_t* panelB = block.packed + static_cast<size_t>(q) * kNR * pairs;
      const int cols = minInt(kNR, block.nc - q * kNR);
      for (int i = 0; i < mc; i += kMR) {
        const uint32_t* panelA = packedA + static_cast<size_t>(i / kMR) * kMR * pairs;
        float* tile = p.c + static_cast<long long>(ic + i) * p.N + block.jc + q * kNR;
        const int rows = minInt(kMR, mc - i);
        if (cols > 16) {
          microKernel<2>(pairs, panelA, panelB, tile, p.N, rows, cols, block.pc > 0);
        } else {
          microKernel<1>(pairs, panelA, panelB, tile, p.N, rows, cols, block.pc > 0);
        }
      }
    }
  }
}

void multiply(const Product& p, ThreadPool& pool, uint32_t* packedB) {
  const int threads = static_cast<long long>(p.M) * p.N * p.K >= kMinParallelWork ? pool.size() : 1;
  const long long microRows = ceilDiv(p.M, kMR);
  const bool splitPanels = microRows < threads;
  const long long rowParts = splitPanels ? 1 : minLong(microRows, threads * ceilDiv(ceilDiv(p.M, kMC), threads));
  const int panelParts = splitPanels ? threads : 1;
  // balanced depth blocks, each but the last of even depth (whole pairs)
  const int kcStep = static_cast<int>(ceilDiv(ceilDiv(p.K, ceilDiv(p.K, kMaxKC)), 2) * 2);

  for (int jc = 0; jc < p.N; jc += kNC) {
    const int nc = minInt(kNC, p.N - jc);
    const int panels = static_cast<int>(ceilDiv(nc, kNR));
    for (int pc = 0; pc < p.K; pc += kcStep) {
      const BBlock block{packedB, jc, nc, pc, minInt(kcStep, p.K - pc)};
      const int pairs = (block.kc + 1) / 2;
      pool.run(threads, [&](int task) {
        const int first = panels * task / threads, last = panels * (task + 1) / threads;
        if (first == last) return;
        packB(p.b, pc, block.kc, jc + first * kNR, minInt(nc, last * kNR) - first * kNR,
              packedB + static_cast<size_t>(first) * kNR * pairs);
      });
      pool.run(static_cast<int>(rowParts) * panelParts, [&](int task) {
        const long long rowPart = task / panelParts, panelPart = task % panelParts;
        multiplyRows(p, block, static_cast<int>(microRows * rowPart / rowParts * kMR),
                     static_cast<int>(minLong(p.M, microRows * (rowPart + 1) / rowParts * kMR)),
                     static_cast<int>(panels * panelPart / panelParts),
                     static_cast<int>(panels * (panelPart + 1) / panelParts));
      });
    }
  }
}

}  // namespace

void sgemmBf16Avx512(int batch, int M, int N, int K,
                     const float* A, long long strideA, bool transA,
                     const float* B, long long strideB, bool transB,
                     float* C, long long strideC, ThreadPool& pool) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int entry = 0; entry < batch; ++entry) std::memset(C + entry * strideC, 0, sizeof(float) * M * static_cast<size_t>(N));
    return;
  }
  if (batch > 1 && strideB == 0 && !transA && strideA == static_cast<long long>(M) * K &&
      strideC == static_cast<long long>(M) * N && static_cast<long long>(M) * batch <= INT_MAX) {
    M *= batch;
    batch = 1;
  }
  static thread_local WordBuffer bBuffer;
  uint32_t* packedB =
      bBuffer.get(static_cast<size_t>(ceilDiv(minInt(N, kNC), kNR)) * kNR * ((minInt(K, kMaxKC) + 1) / 2));
  for (int entry = 0; entry < batch; ++entry) {
    const Product product{M, N, K, Operand{A + entry * strideA, transA ? M : K, transA},
                          Operand{B + entry * strideB, transB ? K : N, transB}, C + entry * strideC};
    multiply(product, pool, packedB);
  }
}

}  // namespace bertvision
