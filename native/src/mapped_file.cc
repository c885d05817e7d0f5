// Memory-mapped store reads. Reading straight from the page cache (no copy into a staging buffer) and decoding on
// every core is what lets a float16 store reach the speed of a plain file read.
#include "mapped_file.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csetjmp>
#include <cstring>
#include <mutex>

#include "float16.h"

#if defined(__unix__) || defined(__APPLE__)
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define BERTVISION_HAS_MMAP 1
#endif

namespace bertvision {

#ifdef BERTVISION_HAS_MMAP

namespace {

/** Source bytes per pool task: big enough to amortise dispatch, small enough to balance two cores. */
constexpr uint64_t kTaskBytes = 1u << 20;
/** Outputs at least this large are written with non-temporal stores (they cannot stay in the caches anyway). */
constexpr uint64_t kStreamingOutputBytes = 8u << 20;

/** Where a guarded read on this thread jumps when it touches a page past the end of a shrunk file. */
thread_local sigjmp_buf* activeGuard = nullptr;
struct sigaction previousBusAction;
std::once_flag busHandlerInstalled;

void onBusError(int signal, siginfo_t* info, void* context) {
  if (activeGuard != nullptr) siglongjmp(*activeGuard, 1);
  // not ours: hand over to whoever handled SIGBUS before
  if (previousBusAction.sa_flags & SA_SIGINFO) {
    previousBusAction.sa_sigaction(signal, info, context);
    return;
  }
  if (previousBusAction.sa_handler == SIG_IGN) return;
  if (previousBusAction.sa_handler != SIG_DFL) {
    previousBusAction.sa_handler(signal);
    return;
  }
  sigaction(SIGBUS, &previousBusAction, nullptr);
  raise(SIGBUS);
}

void installBusHandler() {
  std::call_once(busHandlerInstalled, [] {
    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_sigaction = onBusError;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &previousBusAction);
  });
}

/** Runs one task's copy or decode; false when the mapping faulted (SIGBUS). */
bool guardedTask(const uint8_t* src, uint64_t bytes, uint8_t* dst, MappedReadKind kind, bool streaming) {
  sigjmp_buf guard;
  if (sigsetjmp(guard, 1) != 0) {
    activeGuard = nullptr;
    return false;
  }
  activeGuard = &guard;
  if (kind == MappedReadKind::Copy) {
    std::memcpy(dst, src, bytes);
  } else {
    decodeFloat16(reinterpret_cast<const uint16_t*>(src), reinterpret_cast<float*>(dst), bytes / 2, streaming);
    if (streaming) finishStreaming();
  }
  activeGuard = nullptr;
  return true;
}

/**
 * Drops this process's page-table entries for the pages of a finished read (the data stays in the page cache).
 * Without it every page ever read would count towards the resident set, which would then grow with the store;
 * the cost is a minor fault when a page is read again (about a fifth of the read speed, measured).
 */
void releasePages(const MappedFile& file, uint64_t offset, uint64_t bytes) {
  static const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const uint64_t begin = offset / page * page;
  const uint64_t end = std::min(file.length, (offset + bytes + page - 1) / page * page);
  if (end > begin) madvise(const_cast<uint8_t*>(file.base) + begin, static_cast<size_t>(end - begin), MADV_DONTNEED);
}

}  // namespace

bool mappingSupported() { return true; }

bool mapFile(int fd, MappedFile& out, std::string& error) {
  struct stat info;
  if (fstat(fd, &info) != 0) {
    error = std::string("fstat failed: ") + std::strerror(errno);
    return false;
  }
  if (!S_ISREG(info.st_mode) || info.st_size <= 0) {
    error = "not a non-empty regular file";
    return false;
  }
  const int own = dup(fd);
  if (own < 0) {
    error = std::string("dup failed: ") + std::strerror(errno);
    return false;
  }
  void* base = mmap(nullptr, static_cast<size_t>(info.st_size), PROT_READ, MAP_SHARED, own, 0);
  if (base == MAP_FAILED) {
    error = std::string("mmap failed: ") + std::strerror(errno);
    close(own);
    return false;
  }
  installBusHandler();
  out.fd = own;
  out.base = static_cast<const uint8_t*>(base);
  out.length = static_cast<uint64_t>(info.st_size);
  return true;
}

void unmapFile(MappedFile& file) {
  if (file.base != nullptr) munmap(const_cast<uint8_t*>(file.base), static_cast<size_t>(file.length));
  if (file.fd >= 0) close(file.fd);
  file = MappedFile();
}

std::string readMapped(const MappedFile& file, uint64_t offset, uint64_t bytes, void* dst, MappedReadKind kind,
                       ThreadPool& pool) {
  if (file.base == nullptr) return "the file is closed";
  if (offset > file.length || bytes > file.length - offset) {
    return "truncated: wanted bytes up to " + std::to_string(offset + bytes) + " but the file ends at " +
           std::to_string(file.length);
  }
  struct stat info;
  if (fstat(file.fd, &info) != 0) return std::string("fstat failed: ") + std::strerror(errno);
  if (static_cast<uint64_t>(info.st_size) < offset + bytes) {
    return "truncated: wanted bytes up to " + std::to_string(offset + bytes) + " but the file now ends at " +
           std::to_string(info.st_size);
  }
  if (kind == MappedReadKind::Float16ToFloat32 && bytes % 2 != 0) return "odd byte count for float16 data";
  const uint64_t outputBytes = kind == MappedReadKind::Copy ? bytes : bytes * 2;
  const bool streaming = outputBytes >= kStreamingOutputBytes;
  std::atomic<bool> faulted{false};
  const uint8_t* src = file.base + offset;
  uint8_t* out = static_cast<uint8_t*>(dst);
  const uint64_t scale = kind == MappedReadKind::Copy ? 1 : 2;
  runChunked(pool, bytes, kTaskBytes, [&](uint64_t begin, uint64_t length) {
    if (faulted.load(std::memory_order_relaxed)) return;
    if (!guardedTask(src + begin, length, out + begin * scale, kind, streaming)) faulted.store(true);
  });
  if (faulted.load()) return "truncated: the file shrank while it was being read";
  releasePages(file, offset, bytes);
  return "";
}

#else

bool mappingSupported() { return false; }
bool mapFile(int, MappedFile&, std::string& error) {
  error = "memory maps are not supported on this platform";
  return false;
}
void unmapFile(MappedFile& file) { file = MappedFile(); }
std::string readMapped(const MappedFile&, uint64_t, uint64_t, void*, MappedReadKind, ThreadPool&) {
  return "memory maps are not supported on this platform";
}

#endif

}  // namespace bertvision
