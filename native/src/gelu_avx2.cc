// Fused tanh-GELU kernels (compiled with -mavx2 -mfma), on the lanes of gelu_lanes.h. The results agree with
// TensorFlow's gelu(approximate=True) to a few float32 ulps.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "gelu.h"
#include "gelu_lanes.h"

namespace bertvision {

namespace {

using gelu_lanes::gelu8;
using gelu_lanes::geluGrad8;

/** The last count (< 8) values of an array, padded with zeros into 8 lanes. */
inline __m256 loadTail(const float* p, size_t count) {
  alignas(32) float lanes[8] = {};
  std::copy_n(p, count, lanes);
  return _mm256_load_ps(lanes);
}

inline void storeTail(float* p, __m256 v, size_t count) {
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, v);
  std::copy_n(lanes, count, p);
}

}  // namespace

// Tails go through the same vector code (padded), so every value is computed the same way wherever it falls: results
// do not depend on how a call is split into pieces (thread-pool chunks, the transposed kernels' blocks).
void geluTanhForwardAvx2(const float* x, float* y, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, gelu8(_mm256_loadu_ps(x + i)));
  if (i < count) storeTail(y + i, gelu8(loadTail(x + i, count - i)), count - i);
}

void geluTanhBackwardAvx2(const float* x, const float* dy, float* dx, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) _mm256_storeu_ps(dx + i, geluGrad8(_mm256_loadu_ps(x + i), _mm256_loadu_ps(dy + i)));
  if (i < count) storeTail(dx + i, geluGrad8(loadTail(x + i, count - i), loadTail(dy + i, count - i)), count - i);
}

namespace {

/** y = GELU(x), g = GELU'(x) over count values (tails padded, as above). */
void geluTanhWithDerivativeAvx2(const float* x, float* y, float* g, size_t count) {
  size_t i = 0;
  __m256 yv, gv;
  for (; i + 8 <= count; i += 8) {
    gelu_lanes::geluWithDerivative8(_mm256_loadu_ps(x + i), yv, gv);
    _mm256_storeu_ps(y + i, yv);
    _mm256_storeu_ps(g + i, gv);
  }
  if (i < count) {
    gelu_lanes::geluWithDerivative8(loadTail(x + i, count - i), yv, gv);
    storeTail(y + i, yv, count - i);
    storeTail(g + i, gv, count - i);
  }
}

/** Blocks per pool task: about kElementwiseTaskElements values, at least one block. */
size_t blocksPerTask(size_t blockSize) { return std::max<size_t>(1, kElementwiseTaskElements / blockSize); }

/** A thread's scratch block (rows x cols floats), reused across calls. */
float* scratch(size_t count) {
  static thread_local std::vector<float> buffer;
  if (buffer.size() < count) buffer.resize(count);
  return buffer.data();
}

}  // namespace

void geluTanhForwardTransposedAvx2(const float* x, float* y, size_t blocks, size_t rows, size_t cols,
                                   ThreadPool& pool) {
  const size_t size = rows * cols;
  runChunked(pool, blocks, blocksPerTask(size), [&](size_t first, size_t count) {
    float* activated = scratch(size);
    for (size_t b = first; b < first + count; ++b) {
      geluTanhForwardAvx2(x + b * size, activated, size);
      float* out = y + b * size;
      for (size_t c = 0; c < cols; ++c, out += rows) {  // contiguous writes, strided reads from the cached block
        for (size_t r = 0; r < rows; ++r) out[r] = activated[r * cols + c];
      }
    }
  });
}

void geluTanhForwardTransposedWithDerivativeAvx2(const float* x, float* y, float* g, size_t blocks, size_t rows,
                                                 size_t cols, ThreadPool& pool) {
  const size_t size = rows * cols;
  runChunked(pool, blocks, blocksPerTask(size), [&](size_t first, size_t count) {
    float* activated = scratch(size);
    for (size_t b = first; b < first + count; ++b) {
      geluTanhWithDerivativeAvx2(x + b * size, activated, g + b * size, size);
      float* out = y + b * size;
      for (size_t c = 0; c < cols; ++c, out += rows) {
        for (size_t r = 0; r < rows; ++r) out[r] = activated[r * cols + c];
      }
    }
  });
}

void geluTanhBackwardTransposedAvx2(const float* x, const float* dy, float* dx, size_t blocks, size_t rows,
                                    size_t cols, ThreadPool& pool) {
  const size_t size = rows * cols;
  runChunked(pool, blocks, blocksPerTask(size), [&](size_t first, size_t count) {
    float* gathered = scratch(size);
    for (size_t b = first; b < first + count; ++b) {
      const float* in = dy + b * size;
      for (size_t c = 0; c < cols; ++c, in += rows) {  // contiguous reads, strided writes into the cached block
        for (size_t r = 0; r < rows; ++r) gathered[r * cols + c] = in[r];
      }
      geluTanhBackwardAvx2(x + b * size, gathered, dx + b * size, size);
    }
  });
}

}  // namespace bertvision
