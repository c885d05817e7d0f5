// A small fork-join thread pool for the native compute kernels.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace bertvision {

/**
 * A fixed set of persistent worker threads. run() is serialised by a mutex:
 * concurrent callers from different threads wait their turn.
 *
 * Idle workers spin for a short while after a job (so the back-to-back jobs of
 * one GEMM dispatch cheaply) and then block on a condition variable.
 */
class ThreadPool {
 public:
  /** threads >= 1 total workers INCLUDING the calling thread (so threads-1 background threads). */
  explicit ThreadPool(int threads);
  /** Joins the workers. */
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const;

  /**
   * Runs fn(task) for task in [0, tasks), spread over the workers; the calling
   * thread takes part; returns when all are done. Tasks are claimed
   * dynamically, so their order and thread are unspecified.
   *
   * fn must not throw (an exception escaping on a worker terminates the
   * process) and must not call run() on the same pool (it would deadlock).
   */
  void run(int tasks, const std::function<void(int)>& fn);

 private:
  void workerLoop();
  /** Claims and runs tasks of job `generation` until none are left. */
  void runTasks(uint32_t generation);

  const int size_;
  std::vector<std::thread> workers_;

  std::mutex runMutex_;  // serialises callers of run()

  // The current job. `claim_` packs (generation << 32 | tasks not yet
  // claimed); claiming is a compare-and-swap on it, so a worker that is late
  // for a finished job can never take a task of the next one.
  std::atomic<uint64_t> claim_{0};
  const std::function<void(int)>* job_ = nullptr;
  std::atomic<int> pending_{0};  // tasks of the current job not yet finished

  std::mutex wakeMutex_;  // idle workers block here when spinning found no job
  std::condition_variable wakeCv_;
  std::atomic<bool> stopping_{false};
  std::mutex doneMutex_;  // the caller blocks here until the last task ends
  std::condition_variable doneCv_;
};

/**
 * The process-wide pool: size = env BERTVISION_THREADS if set to a positive
 * integer, else std::thread::hardware_concurrency() (at least 1), created on
 * first use. It is never destroyed (its workers sleep until process exit).
 */
ThreadPool& globalPool();

/**
 * Runs fn(begin, length) over [0, count) cut into pieces of `chunk` (the last one shorter), one pool task per
 * piece. Same rules for fn as ThreadPool::run.
 */
template <typename Fn>
void runChunked(ThreadPool& pool, size_t count, size_t chunk, Fn fn) {
  const size_t tasks = (count + chunk - 1) / chunk;
  pool.run(static_cast<int>(tasks), [&](int task) {
    const size_t begin = static_cast<size_t>(task) * chunk;
    fn(begin, count - begin < chunk ? count - begin : chunk);
  });
}

/** Elements per pool task of an elementwise kernel. */
constexpr size_t kElementwiseTaskElements = 1u << 16;

/** Runs an elementwise kernel fn(begin, length) over [0, count) on `pool` (on the calling thread alone for small counts). */
template <typename Fn>
void runElementwise(ThreadPool& pool, size_t count, Fn fn) {
  if (count < 4 * kElementwiseTaskElements) {
    fn(0, count);
    return;
  }
  runChunked(pool, count, kElementwiseTaskElements, fn);
}

}  // namespace bertvision
