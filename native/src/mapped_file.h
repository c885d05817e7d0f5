// Read-only memory maps of store files, read by the thread pool with float16 decoding on the way (POSIX only).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "thread_pool.h"

namespace bertvision {

/** A whole file mapped read-only, with its own duplicate of the descriptor (to re-check the size before reads). */
struct MappedFile {
  int fd = -1;
  const uint8_t* base = nullptr;
  uint64_t length = 0;
};

/** What a read does with the bytes. */
enum class MappedReadKind { Copy, Float16ToFloat32 };

/** Whether this build can map files (false on Windows). */
bool mappingSupported();

/**
 * Maps the file open as `fd` (the descriptor is duplicated; the caller keeps its own). Returns false and sets
 * `error` when it cannot (empty file, not a regular file, mmap refused).
 */
bool mapFile(int fd, MappedFile& out, std::string& error);

/** Unmaps and closes the duplicate descriptor. Idempotent. */
void unmapFile(MappedFile& file);

/**
 * Copies (or decodes, float16 → float32) the file bytes `[offset, offset + bytes)` into `dst` using `pool`.
 * Checks the range against the file's current size first and catches SIGBUS (the file shrank during the read), so
 * a truncated file gives an error message instead of a crash. Returns "" on success, else the problem.
 */
std::string readMapped(const MappedFile& file, uint64_t offset, uint64_t bytes, void* dst, MappedReadKind kind,
                       ThreadPool& pool);

}  // namespace bertvision
