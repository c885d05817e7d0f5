#include "thread_pool.h"

#include <chrono>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace bertvision {
namespace {

// How long an idle worker (or a caller waiting for the last task) polls
// before it blocks. Long enough to bridge the gaps between the jobs of one
// GEMM, short enough not to burn a core between GEMM calls.
constexpr auto kSpinTime = std::chrono::microseconds(100);

// Upper limit for BERTVISION_THREADS, so a typo cannot spawn millions of threads.
constexpr long kMaxThreads = 1024;

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

/** Polls `done` for up to kSpinTime; returns true as soon as it holds. */
template <typename Predicate>
bool spinUntil(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  do {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpuRelax();
    }
  } while (std::chrono::steady_clock::now() < deadline);
  return done();
}

inline uint32_t generationOf(uint64_t claim) { return static_cast<uint32_t>(claim >> 32); }
inline uint32_t remainingOf(uint64_t claim) { return static_cast<uint32_t>(claim); }

int defaultThreadCount() {
  if (const char* env = std::getenv("BERTVISION_THREADS")) {
    char* end = nullptr;
    const long value = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && value > 0) {
      return static_cast<int>(value < kMaxThreads ? value : kMaxThreads);
    }
  }
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? static_cast<int>(hardware) : 1;
}

}  // namespace

ThreadPool::ThreadPool(int threads) : size_(threads > 0 ? threads : 1) {
  workers_.reserve(size_ - 1);
  for (int i = 1; i < size_; ++i) workers_.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    stopping_.store(true, std::memory_order_relaxed);
  }
  wakeCv_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

int ThreadPool::size() const { return size_; }

void ThreadPool::run(int tasks, const std::function<void(int)>& fn) {
  if (tasks <= 0) return;
  std::lock_guard<std::mutex> serial(runMutex_);
  if (size_ == 1 || tasks == 1) {
    for (int task = 0; task < tasks; ++task) fn(task);
    return;
  }
  // Publish the job: everything written before the release store of claim_
  // is visible to a worker whose compare-and-swap on claim_ succeeds.
  job_ = &fn;
  pending_.store(tasks, std::memory_order_relaxed);
  const uint32_t generation = generationOf(claim_.load(std::memory_order_relaxed)) + 1;
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    claim_.store(static_cast<uint64_t>(generation) << 32 | static_cast<uint32_t>(tasks),
                 std::memory_order_release);
  }
  wakeCv_.notify_all();

  runTasks(generation);

  auto allDone = [this] { return pending_.load(std::memory_order_acquire) == 0; };
  if (!spinUntil(allDone)) {
    std::unique_lock<std::mutex> lock(doneMutex_);
    doneCv_.wait(lock, allDone);
  }
}

void ThreadPool::runTasks(uint32_t generation) {
  uint64_t claim = claim_.load(std::memory_order_acquire);
  for (;;) {
    // Tasks are claimed from the top down: remaining r hands out task r-1.
    // A stale generation or nothing left means this job is over for us.
    if (generationOf(claim) != generation || remainingOf(claim) == 0) return;
    if (!claim_.compare_exchange_weak(claim, claim - 1, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      continue;  // claim was reloaded; look again
    }
    (*job_)(static_cast<int>(remainingOf(claim)) - 1);
    claim = claim_.load(std::memory_order_acquire);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // Last task of the job: wake the caller if it already blocked. Taking
      // the mutex orders this with the caller's check of its predicate.
      { std::lock_guard<std::mutex> lock(doneMutex_); }
      doneCv_.notify_one();
    }
  }
}

void ThreadPool::workerLoop() {
  uint32_t seen = 0;  // the generation this worker took part in last
  for (;;) {
    auto newJob = [this, seen] {
      return stopping_.load(std::memory_order_relaxed) ||
             generationOf(claim_.load(std::memory_order_acquire)) != seen;
    };
    if (!spinUntil(newJob)) {
      std::unique_lock<std::mutex> lock(wakeMutex_);
      wakeCv_.wait(lock, newJob);
    }
    if (stopping_.load(std::memory_order_relaxed)) return;
    seen = generationOf(claim_.load(std::memory_order_acquire));
    runTasks(seen);
  }
}

ThreadPool& globalPool() {
  // Deliberately leaked: joining workers during static destruction at process
  // exit (possibly while another thread still uses the pool) is not safe.
  static ThreadPool* const pool = new ThreadPool(defaultThreadCount());
  return *pool;
}

}  // namespace bertvision
