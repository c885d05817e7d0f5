// Batched block transposes (see transpose.h): tiles of kTile x kTile blocks, so that both the reads and the writes
// stay within a few cache lines per row while the tile is copied.
#include "transpose.h"

#include <algorithm>
#include <cstring>

namespace bertvision {
namespace {

constexpr size_t kTile = 16;
// Elements per pool task: about 1 MB of floats, so a batch of 33 MB is ~32 tasks.
constexpr size_t kTaskElements = 1u << 18;

/** Copies `count` floats; short runs (the layer axis, 7-25 values) as an inlined loop rather than a memcpy call. */
inline void copyRun(const float* in, float* out, size_t count) {
  if (count >= 64) {
    std::memcpy(out, in, count * sizeof(float));
    return;
  }
  for (size_t i = 0; i < count; ++i) out[i] = in[i];
}

/** out[c][b] = in[b][c] for the tile rows [b0, b1) x columns [c0, c1) of one [B, C] matrix of D-element blocks. */
void tile(const float* in, float* out, size_t B, size_t C, size_t D, size_t b0, size_t b1, size_t c0, size_t c1) {
  if (D == 1 && C < kTile) {  // narrow rows (the layer axis): read each row whole, write a few output rows
    for (size_t b = b0; b < b1; ++b) {
      const float* row = in + b * C;
      for (size_t c = c0; c < c1; ++c) out[c * B + b] = row[c];
    }
    return;
  }
  if (D == 1) {  // write each output row's piece contiguously (wide rows: strided writes would collide in the cache)
    for (size_t c = c0; c < c1; ++c) {
      float* column = out + c * B;
      for (size_t b = b0; b < b1; ++b) column[b] = in[b * C + c];
    }
    return;
  }
  for (size_t b = b0; b < b1; ++b) {
    for (size_t c = c0; c < c1; ++c) copyRun(in + (b * C + c) * D, out + (c * B + b) * D, D);
  }
}

}  // namespace

void blockTranspose(const float* in, float* out, size_t A, size_t B, size_t C, size_t D, ThreadPool& pool) {
  const size_t matrix = B * C * D;
  if (matrix == 0 || A == 0) return;
  // tasks: whole matrices when they are small, else bands of kTile rows (b) of one matrix
  const size_t bandsPerMatrix = matrix >= kTaskElements ? (B + kTile - 1) / kTile : 1;
  const size_t matricesPerTask = bandsPerMatrix > 1 ? 1 : std::max<size_t>(1, kTaskElements / matrix);
  const size_t tasks = bandsPerMatrix > 1 ? A * bandsPerMatrix : (A + matricesPerTask - 1) / matricesPerTask;
  auto work = [&](int task) {
    const size_t t = static_cast<size_t>(task);
    size_t a0, a1, bBegin, bEnd;
    if (bandsPerMatrix > 1) {
      a0 = t / bandsPerMatrix;
      a1 = a0 + 1;
      bBegin = (t % bandsPerMatrix) * kTile;
      bEnd = std::min(B, bBegin + kTile);
    } else {
      a0 = t * matricesPerTask;
      a1 = std::min(A, a0 + matricesPerTask);
      bBegin = 0;
      bEnd = B;
    }
    for (size_t a = a0; a < a1; ++a) {
      const float* src = in + a * matrix;
      float* dst = out + a * matrix;
      for (size_t b0 = bBegin; b0 < bEnd; b0 += kTile) {
        for (size_t c0 = 0; c0 < C; c0 += kTile) {
          tile(src, dst, B, C, D, b0, std::min(bEnd, b0 + kTile), c0, std::min(C, c0 + kTile));
        }
      }
    }
  };
  if (tasks == 1 || A * matrix < kTaskElements) {
    for (size_t t = 0; t < tasks; ++t) work(static_cast<int>(t));
    return;
  }
  pool.run(static_cast<int>(tasks), work);
}

}  // namespace bertvision
