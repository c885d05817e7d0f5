// Standalone correctness check and benchmark for sgemmAvx2 and, where the CPU has AVX-512 BF16, sgemmBf16Avx512
// (not shipped).
//
// Build and run from the repository root:
//   g++ -O3 -std=c++17 -pthread -mavx2 -mfma -mf16c bench/native/gemm_bench.cc native/src/gemm_avx2.cc
//       native/src/thread_pool.cc -c && g++ -O3 -std=c++17 -mavx512f -mavx512bw -mavx512vl -mavx512bf16
//       -c native/src/gemm_bf16_avx512.cc && g++ -pthread *.o -o /tmp/gemm_bench
//   (or simply: sh bench/native/build.sh)
//   /tmp/gemm_bench [runs] [best|cpu] [nocheck]
//       runs per shape and thread count (default 7); rates from the median wall time, or with `best` from the fastest
//       run, or with `cpu` from the fastest run's thread CPU time for one thread (and the fastest wall time for two):
//       steadier when other jobs share the machine. `nocheck` skips the exhaustive small-shape checks (minutes).
// Exits non-zero when a result is wrong. The bf16 kernel is checked against a double-precision product of the
// bf16-rounded operands (so the same tolerance holds: only the float32 accumulation differs), and its error against
// the unrounded operands is printed beside. Compare with bench/native/gemm_numpy.py.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../native/src/gemm.h"

using bertvision::ThreadPool;

namespace {

// Largest accepted |C - reference| relative to sum_k |a||b| for that entry.
constexpr double kTolerance = 1e-5;

const bool kHasBf16 = __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl");

/** x rounded to bfloat16 (round to nearest, ties to even), as a float. */
float roundBf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return x;  // NaN
  bits = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
  std::memcpy(&x, &bits, 4);
  return x;
}

struct Shape {
  const char* name;
  int batch, M, N, K;
  bool transA, transB, broadcastA, broadcastB;
};

/** Operands and output of one shape; `offset` floats in front misalign the pointers. */
struct Problem {
  Shape s;
  std::vector<float> a, b, c;
  long long strideA, strideB, strideC;
  int offset;
  bool bf16 = false;  // run sgemmBf16Avx512 and check it against the bf16-rounded operands

  Problem(const Shape& shape, int offset_, std::mt19937& rng) : s(shape), offset(offset_) {
    // Gaps between A entries, except with a shared B, where back-to-back
    // entries exercise the path that folds the batch into M.
    strideA = s.broadcastA ? 0 : static_cast<long long>(s.M) * s.K + (s.broadcastB ? 0 : 3);
    strideB = s.broadcastB ? 0 : static_cast<long long>(s.K) * s.N;
    strideC = static_cast<long long>(s.M) * s.N;
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    a.resize(offset + strideA * (s.batch - 1) + static_cast<size_t>(s.M) * s.K);
    b.resize(offset + strideB * (s.batch - 1) + static_cast<size_t>(s.K) * s.N);
    c.assign(offset + strideC * s.batch, NAN);  // NaN: the GEMM must overwrite, not accumulate
    for (float& x : a) x = uniform(rng);
    for (float& x : b) x = uniform(rng);
  }

  void run(ThreadPool& pool) {
    if (bf16) {
      bertvision::sgemmBf16Avx512(s.batch, s.M, s.N, s.K, a.data() + offset, strideA, s.transA, b.data() + offset,
                                  strideB, s.transB, c.data() + offset, strideC, pool);
      return;
    }
    bertvision::sgemmAvx2(s.batch, s.M, s.N, s.K, a.data() + offset, strideA, s.transA,
                          b.data() + offset, strideB, s.transB, c.data() + offset, strideC, pool);
  }

  /** |C - reference| / sum |a||b| for entry (e, i, j), reference in double. */
  double relativeError(int e, int i, int j, bool rounded = true) const {
    const float* A = a.data() + offset + e * strideA;
    const float* B = b.data() + offset + e * strideB;
    const bool round = bf16 && rounded;
    double sum = 0, bound = 0;
    for (int k = 0; k < s.K; ++k) {
      float xf = s.transA ? A[static_cast<size_t>(k) * s.M + i] : A[static_cast<size_t>(i) * s.K + k];
      float yf = s.transB ? B[static_cast<size_t>(j) * s.K + k] : B[static_cast<size_t>(k) * s.N + j];
      if (round) xf = roundBf16(xf), yf = roundBf16(yf);
      const double x = xf, y = yf;
      sum += x * y;
      bound += std::fabs(x * y);
    }
    const double got = c[offset + e * strideC + static_cast<size_t>(i) * s.N + j];
    const double error = std::fabs(got - sum) / (bound + 1e-30);
    return std::isnan(error) ? INFINITY : error;
  }

  /** Largest relative error over every entry, or over `samples` random entries. */
  double maxError(std::mt19937& rng, int samples = 0, bool rounded = true) const {
    double worst = 0;
    if (samples == 0) {
      for (int e = 0; e < s.batch; ++e)
        for (int i = 0; i < s.M; ++i)
          for (int j = 0; j < s.N; ++j) worst = std::max(worst, relativeError(e, i, j, rounded));
      return worst;
    }
    for (int t = 0; t < samples; ++t) {
      worst = std::max(worst, relativeError(rng() % s.batch, rng() % s.M, rng() % s.N, rounded));
    }
    return worst;
  }
};

/** Exhaustive checks on awkward and block-crossing sizes, with 1, 2 and 3 threads. */
bool checkSmall(ThreadPool& one, ThreadPool& two, ThreadPool& three, std::mt19937& rng, bool bf16) {
  const int sizes[] = {1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 64, 100, 257};
  std::vector<Shape> shapes;
  for (int t = 0; t < 4; ++t)
    for (int M : sizes)
      for (int N : sizes)
        for (int K : sizes) shapes.push_back({"small", 1, M, N, K, (t & 1) != 0, (t & 2) != 0, false, false});
  // Crossing the kMaxKC / kMC / kNC blocks, and batches with and without broadcast.
  const Shape extra[] = {{"blocks", 1, 300, 2100, 800, false, false, false, false},
                         {"blocks", 1, 1000, 40, 1, false, false, false, false},
                         {"blocks", 1, 7, 4500, 390, true, true, false, false},
                         {"blocks", 1, 301, 33, 1153, true, false, false, false}};
  for (int t = 0; t < 4; ++t) {
    for (const Shape& x : extra) shapes.push_back({x.name, 1, x.M, x.N, x.K, (t & 1) != 0, (t & 2) != 0, false, false});
    shapes.push_back({"batch", 3, 37, 41, 45, (t & 1) != 0, (t & 2) != 0, false, false});
    shapes.push_back({"batch bcastB", 4, 50, 23, 70, (t & 1) != 0, (t & 2) != 0, false, true});
    shapes.push_back({"batch bcastA", 3, 29, 90, 17, (t & 1) != 0, (t & 2) != 0, true, false});
  }
  double worst = 0;
  int failures = 0;
  for (const Shape& shape : shapes) {
    Problem problem(shape, 1, rng);
    problem.bf16 = bf16;
    for (ThreadPool* pool : {&one, &two, &three}) {
      std::fill(problem.c.begin(), problem.c.end(), NAN);
      problem.run(*pool);
      const double error = problem.maxError(rng);
      worst = std::max(worst, error);
      if (!(error <= kTolerance) && failures++ < 10) {
        std::printf("FAIL %s batch=%d M=%d N=%d K=%d tA=%d tB=%d threads=%d: rel error %.3g\n", shape.name,
                    shape.batch, shape.M, shape.N, shape.K, shape.transA, shape.transB, pool->size(), error);
      }
    }
  }
  std::printf("%s small/awkward shapes: %zu x 3 pools, max relative error %.3g, %d failures\n",
              bf16 ? "bf16" : "fp32", shapes.size(), worst, failures);
  return failures == 0;
}

/** Several threads multiplying at once through one pool (run() serialises their jobs). */
bool checkConcurrentCallers(ThreadPool& pool, std::mt19937& rng, bool bf16) {
  std::vector<Problem> problems;
  for (int t = 0; t < 3; ++t) {
    problems.emplace_back(Shape{"concurrent", 2, 150 + t, 70, 600, t == 1, t == 2, false, false}, 0, rng);
    problems.back().bf16 = bf16;
  }
  std::vector<std::thread> callers;
  for (Problem& problem : problems) {
    callers.emplace_back([&problem, &pool] {
      for (int repeat = 0; repeat < 20; ++repeat) problem.run(pool);
    });
  }
  for (std::thread& caller : callers) caller.join();
  double worst = 0;
  for (const Problem& problem : problems) worst = std::max(worst, problem.maxError(rng));
  std::printf("%s 3 concurrent callers on one pool: max relative error %.3g\n", bf16 ? "bf16" : "fp32", worst);
  return worst <= kTolerance;
}

bool useThreadCpuTime = false;  // one-thread rates from the calling thread's CPU time (argv[2] == "cpu")

double threadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double seconds(Problem& problem, ThreadPool& pool) {
  // A one-thread pool runs everything on the calling thread: its CPU time leaves out the time other jobs on a shared
  // machine take from it (what remains is the kernel's own rate on one core).
  if (useThreadCpuTime && pool.size() == 1) {
    const double start = threadCpuSeconds();
    problem.run(pool);
    return threadCpuSeconds() - start;
  }
  const auto start = std::chrono::steady_clock::now();
  problem.run(pool);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool useBest = false;  // rate from the fastest run instead of the median (argv[2] == "best")

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return useBest ? v.front() : v[v.size() / 2];
}

/** Times the big shapes with both pools (runs interleaved) and checks sampled entries. */
bool benchmark(ThreadPool& one, ThreadPool& two, int runs, std::mt19937& rng) {
  const Shape shapes[] = {
      {"1 forward", 1, 38600, 386, 1024, false, false, false, false},
      {"2 kernel grad", 1, 1024, 386, 38600, false, false, false, false},
      {"3 kernel grad tA", 1, 1024, 386, 38600, true, false, false, false},
      {"4 input grad tB", 1, 38600, 1024, 386, false, true, false, false},
      {"5a medium N=2", 1, 3088, 2, 1024, false, false, false, false},
      {"5b medium N=64", 1, 3088, 64, 1024, false, false, false, false},
      {"5c batch25 bcastB", 25, 1544, 386, 1024, false, false, false, true},
      // the reproduction's MiniLM adapter-386 (A = 256), batch 8: B·S·L = 8·256·7 rows of E = 384
      {"6 minilm forward", 1, 14336, 256, 384, false, false, false, false},
      {"7 minilm kgrad tA", 1, 384, 256, 14336, true, false, false, false},
  };
  bool ok = true;
  std::printf("%-20s %12s %12s %12s", "shape", "fp32 1 thr", "fp32 2 thr", "max rel err");
  if (kHasBf16) std::printf(" %12s %12s %12s %8s %14s", "bf16 1 thr", "bf16 2 thr", "bf16 rel err",
                            useThreadCpuTime ? "1-thr x" : "2-thr x", "vs fp32 inputs");
  std::printf("\n");
  for (const Shape& shape : shapes) {
    Problem problem(shape, 0, rng);
    const double flops = 2.0 * shape.batch * shape.M * shape.N * shape.K;
    double rate[2][2] = {{0, 0}, {0, 0}}, error[2] = {0, 0}, unrounded = 0;
    for (int precision = 0; precision < (kHasBf16 ? 2 : 1); ++precision) {
      problem.bf16 = precision == 1;
      seconds(problem, one);
      seconds(problem, two);
      std::vector<double> times1, times2;
      for (int r = 0; r < runs; ++r) {
        times1.push_back(seconds(problem, one));
        times2.push_back(seconds(problem, two));
      }
      error[precision] = problem.maxError(rng, 256);
      if (precision == 1) unrounded = problem.maxError(rng, 256, false);
      ok = ok && error[precision] <= kTolerance;
      rate[precision][0] = flops / median(times1) / 1e9;
      rate[precision][1] = flops / median(times2) / 1e9;
    }
    std::printf("%-20s %7.1f GF/s %7.1f GF/s %12.3g%s", shape.name, rate[0][0], rate[0][1], error[0],
                error[0] <= kTolerance ? "" : " FAIL");
    if (kHasBf16) {
      std::printf(" %7.1f GF/s %7.1f GF/s %12.3g%s %7.2fx %14.3g", rate[1][0], rate[1][1], error[1],
                  error[1] <= kTolerance ? "" : " FAIL",
                  useThreadCpuTime ? rate[1][0] / rate[0][0] : rate[1][1] / rate[0][1], unrounded);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
  useBest = argc > 2 && (std::string(argv[2]) == "best" || std::string(argv[2]) == "cpu");
  useThreadCpuTime = argc > 2 && std::string(argv[2]) == "cpu";
  const bool skipChecks = argc > 3 && std::string(argv[3]) == "nocheck";  // timing only (the checks take minutes)
  ThreadPool one(1), two(2), three(3);
  std::mt19937 rng(12345);
  bool smallOk = skipChecks || (checkSmall(one, two, three, rng, false) && checkConcurrentCallers(two, rng, false));
  if (skipChecks) {
    std::printf("small-shape checks skipped\n");
  } else if (kHasBf16) {
    smallOk = checkSmall(one, two, three, rng, true) && checkConcurrentCallers(two, rng, true) && smallOk;
  } else {
    std::printf("this CPU lacks AVX-512 BF16: the bf16 kernel is not checked or timed\n");
  }
  const bool bigOk = benchmark(one, two, runs, rng);
  if (!smallOk || !bigOk) {
    std::printf("CORRECTNESS FAILURE\n");
    return 1;
  }
  std::printf("all results correct\n");
  return 0;
}
