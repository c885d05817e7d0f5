// A first touch of a 4 KiB page costs a fault; on a virtual machine, with nested paging, these faults alone ran at
// 0.6 GB/s on the 2-core VM of docs/benchmarks.md, 2 MiB pages at 1.6 GB/s. tfjs-wasm's heap grows to gigabytes for
// BERT-large batches (a 316 MB input per span batch, activations and gradients as large), and every newly grown
// page is touched once. V8 reserves the heap's address range up front and commits it as it grows (mprotect), so
// advising the whole reservation once covers every later growth. Linux's default transparent-huge-page policy is
// "madvise": without this hint the heap never gets huge pages.
#include "heap_pages.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace bertvision {

#ifdef __linux__

namespace {

/** Whether transparent huge pages can be had by asking (policy "always" or "madvise", not "never"). */
bool hugePagesAvailable() {
  FILE* policy = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (policy == nullptr) return false;
  char line[128] = {0};
  const bool read = std::fgets(line, sizeof line, policy) != nullptr;
  std::fclose(policy);
  return read && std::strstr(line, "[never]") == nullptr;
}

/** One line of /proc/self/maps: its range and whether it is anonymous (no backing file). */
struct Mapping {
  uintptr_t start = 0;
  uintptr_t end = 0;
  bool anonymous = false;
};

bool parseMapping(const char* line, Mapping& out) {
  unsigned long start, end, offset, inode;
  char perms[8], device[16];
  int consumed = 0;
  if (std::sscanf(line, "%lx-%lx %7s %lx %15s %lu%n", &start, &end, perms, &offset, &device, &inode, &consumed) < 6) {
    return false;
  }
  const char* rest = line + consumed;
  while (*rest == ' ' || *rest == '\t') ++rest;
  out.start = start;
  out.end = end;
  out.anonymous = inode == 0 && (*rest == '\n' || *rest == '\0');
  return true;
}

}  // namespace

size_t adviseHugePages(const uint8_t* base, size_t limitBytes) {
  if (base == nullptr || limitBytes == 0 || !hugePagesAvailable()) return 0;
  FILE* maps = std::fopen("/proc/self/maps", "r");
  if (maps == nullptr) return 0;
  const uintptr_t start = reinterpret_cast<uintptr_t>(base);
  const uintptr_t limit = start + limitBytes;
  uintptr_t end = 0;  // end of the contiguous anonymous run that starts at `base`
  char line[512];
  Mapping mapping;
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    if (!parseMapping(line, mapping)) continue;
    if (end == 0) {
      if (mapping.start == start && mapping.anonymous) end = mapping.end;
      continue;
    }
    if (mapping.start != end || !mapping.anonymous || end >= limit) break;
    end = mapping.end;
  }
  std::fclose(maps);
  if (end == 0) return 0;
  const size_t bytes = std::min(end, limit) - start;
  return madvise(const_cast<uint8_t*>(base), bytes, MADV_HUGEPAGE) == 0 ? bytes : 0;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14 (older headers lack the name; older kernels answer EINVAL)
#endif

size_t populateWritable(uint8_t* start, size_t bytes) {
  constexpr uintptr_t kPage = 4096;
  constexpr size_t kStep = size_t{2} << 20;
  const uintptr_t first = (reinterpret_cast<uintptr_t>(start) + kPage - 1) & ~(kPage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(start) + bytes) & ~(kPage - 1);
  uintptr_t at = first;
  while (at < end) {
    const size_t length = std::min<size_t>(kStep, end - at);
    if (madvise(reinterpret_cast<void*>(at), length, MADV_POPULATE_WRITE) != 0) break;
    at += length;
  }
  return at > first ? at - first : 0;
}

#else

size_t adviseHugePages(const uint8_t*, size_t) { return 0; }
size_t populateWritable(uint8_t*, size_t) { return 0; }

#endif

}  // namespace bertvision
