// Transparent huge pages for the WebAssembly heap (Linux).
#pragma once
#include <cstddef>
#include <cstdint>

namespace bertvision {

/**
 * Asks the kernel to back the memory reservation that starts at `base` with transparent huge pages
 * (madvise(MADV_HUGEPAGE)): the mapping containing `base` and the ones directly after it that belong to the same
 * reservation (contiguous anonymous mappings, its not-yet-committed PROT_NONE part included), at most `limitBytes`
 * from `base`. Returns the number of bytes advised, 0 when there is nothing to advise (not Linux, transparent huge pages
 * off, `base` not at the start of a mapping) or madvise refused.
 */
size_t adviseHugePages(const uint8_t* base, size_t limitBytes);

/**
 * Faults in the pages of [start, start + bytes) as if written (madvise(MADV_POPULATE_WRITE), Linux 5.14 and later)
 * without changing a byte of them, so it may run while other threads read and write the same memory. Works in 2 MiB
 * steps and stops at the first step the kernel refuses. Returns the bytes populated: 0 where the kernel lacks
 * MADV_POPULATE_WRITE or not on Linux.
 */
size_t populateWritable(uint8_t* start, size_t bytes);

}  // namespace bertvision
