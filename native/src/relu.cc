// The ReLU gradient (see relu.h); a plain loop the compiler vectorises.
#include "relu.h"

#include <cmath>

namespace bertvision {

void reluGradient(const float* x, const float* dy, float* dx, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    const float v = x[i];
    const float step = v != v ? v : (v > 0.0f ? 1.0f : 0.0f);
    dx[i] = dy[i] * step;
  }
}

}  // namespace bertvision
