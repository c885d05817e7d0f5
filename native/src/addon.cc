// The Node-API surface of bertvision's native kernels (loaded by src/platform/native.ts; every function has a JavaScript
// fallback there): module setup and the store reads here, the wasm-heap kernels in wasm_heap_kernels.cc. Arguments
// are checked in TypeScript; the checks here only stop a misuse from touching memory out of bounds.
#include <node_api.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "float16.h"
#include "heap_pages.h"
#include "mapped_file.h"
#include "napi_helpers.h"
#include "thread_pool.h"

namespace bertvision {
namespace {

/** Halves decoded per pool task (above this size a decode is spread over the pool). */
constexpr size_t kDecodeTaskElements = 1u << 18;

napi_value setBoolean(napi_env env, napi_value object, const char* name, bool flag) {
  napi_value value;
  napi_get_boolean(env, flag, &value);
  napi_set_named_property(env, object, name, value);
  return object;
}

/** capabilities() → { f16c, avx2Fma, avx512Bf16, mmap, threads } */
napi_value Capabilities(napi_env env, napi_callback_info) {
  napi_value result;
  CHECK_NAPI(env, napi_create_object(env, &result));
  setBoolean(env, result, "f16c", cpuHasF16c());
  setBoolean(env, result, "avx2Fma", cpuHasAvx2Fma());
  setBoolean(env, result, "avx512Bf16", cpuHasAvx512Bf16());
  setBoolean(env, result, "mmap", mappingSupported());
  napi_value threads;
  CHECK_NAPI(env, napi_create_int32(env, globalPool().size(), &threads));
  napi_set_named_property(env, result, "threads", threads);
  return result;
}

/** decodeFloat16(src: Uint16Array, dst: Float32Array): decodes src.length halves (dst must be as long). */
napi_value DecodeFloat16(napi_env env, napi_callback_info info) {
  napi_value args[2];
  if (!readArguments(env, info, 2, args)) return nullptr;
  uint8_t* src;
  uint8_t* dst;
  size_t srcBytes, dstBytes;
  if (!readView(env, args[0], src, srcBytes) || !readView(env, args[1], dst, dstBytes)) return nullptr;
  const size_t count = srcBytes / 2;
  if (dstBytes < count * 4) return throwError(env, "decodeFloat16: destination too small");
  const auto* halves = reinterpret_cast<const uint16_t*>(src);
  auto* floats = reinterpret_cast<float*>(dst);
  if (count < 2 * kDecodeTaskElements) {
    decodeFloat16(halves, floats, count, false);
    return nullptr;
  }
  runChunked(globalPool(), count, kDecodeTaskElements,
             [&](size_t begin, size_t n) { decodeFloat16(halves + begin, floats + begin, n, false); });
  return nullptr;
}

/** A mapping owned by JavaScript. Touched only on the main thread (calls and async completions run there). */
struct MappingHandle {
  MappedFile file;
  /** Reads queued or running; an unmap waits for them. */
  int inFlight = 0;
  bool unmapPending = false;
};

void finalizeMapping(napi_env, void* data, void*) {
  auto* handle = static_cast<MappingHandle*>(data);
  unmapFile(handle->file);
  delete handle;
}

/** mapFile(fd) → an external handle of the whole file mapped read-only (unmapped by unmapFile or GC). */
napi_value MapFile(napi_env env, napi_callback_info info) {
  napi_value args[1];
  if (!readArguments(env, info, 1, args)) return nullptr;
  int32_t fd;
  if (napi_get_value_int32(env, args[0], &fd) != napi_ok) return throwError(env, "mapFile: expected a descriptor");
  auto* mapping = new MappingHandle();
  std::string error;
  if (!mapFile(fd, mapping->file, error)) {
    delete mapping;
    return throwError(env, "mapFile: " + error);
  }
  napi_value handle;
  if (napi_create_external(env, mapping, finalizeMapping, nullptr, &handle) != napi_ok) {
    unmapFile(mapping->file);
    delete mapping;
    return throwError(env, "mapFile: cannot create the handle");
  }
  return handle;
}

MappingHandle* mappingOf(napi_env env, napi_value handle) {
  void* data = nullptr;
  if (napi_get_value_external(env, handle, &data) != napi_ok || data == nullptr) {
    napi_throw_type_error(env, "E_NATIVE", "expected a mapping handle");
    return nullptr;
  }
  return static_cast<MappingHandle*>(data);
}

/**
 * unmapFile(handle): releases the mapping once the reads in flight have finished (reads started after this fail
 * with "the file is closed").
 */
napi_value UnmapFile(napi_env env, napi_callback_info info) {
  napi_value args[1];
  if (!readArguments(env, info, 1, args)) return nullptr;
  MappingHandle* mapping = mappingOf(env, args[0]);
  if (mapping == nullptr) return nullptr;
  if (mapping->inFlight > 0) {
    mapping->unmapPending = true;
  } else {
    unmapFile(mapping->file);
  }
  return nullptr;
}

/**
 * Queues `data`'s work on Node's thread pool (`execute` there, `complete` back on the main thread) and returns the
 * promise `complete` settles through `deferred`.
 */
napi_value queuePromisedWork(napi_env env, const char* name, napi_async_execute_callback execute,
                             napi_async_complete_callback complete, void* data, napi_deferred& deferred,
                             napi_async_work& work) {
  napi_value promise, resource;
  napi_create_promise(env, &deferred, &promise);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource);
  napi_create_async_work(env, nullptr, resource, execute, complete, data, &work);
  napi_queue_async_work(env, work);
  return promise;
}

/** One asynchronous mapped read in flight: its inputs, the references keeping them alive, and the outcome. */
struct MappedRead {
  MappingHandle* mapping;
  uint64_t offset;
  uint64_t bytes;
  uint8_t* dst;
  MappedReadKind kind;
  napi_ref handleRef;
  napi_ref dstRef;
  napi_deferred deferred;
  napi_async_work work;
  std::string error;
};

void executeMappedRead(napi_env, void* data) {
  auto* read = static_cast<MappedRead*>(data);
  read->error = readMapped(read->mapping->file, read->offset, read->bytes, read->dst, read->kind, globalPool());
}

void completeMappedRead(napi_env env, napi_status, void* data) {
  auto* read = static_cast<MappedRead*>(data);
  if (read->error.empty()) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, read->deferred, undefined);
  } else {
    napi_value code, message, error;
    napi_create_string_utf8(env, "E_NATIVE", NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, read->error.c_str(), NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, code, message, &error);
    napi_reject_deferred(env, read->deferred, error);
  }
  MappingHandle* mapping = read->mapping;
  if (--mapping->inFlight == 0 && mapping->unmapPending) unmapFile(mapping->file);
  napi_delete_reference(env, read->handleRef);
  napi_delete_reference(env, read->dstRef);
  napi_delete_async_work(env, read->work);
  delete read;
}

/**
 * readMapped(handle, offset, bytes, dst, decodeFloat16) → Promise<void>: copies file bytes [offset, offset+bytes)
 * into dst, or decodes them as float16 into dst as float32 (dst then needs 2·bytes bytes). Runs off the main thread.
 */
napi_value ReadMapped(napi_env env, napi_callback_info info) {
  napi_value args[5];
  if (!readArguments(env, info, 5, args)) return nullptr;
  MappingHandle* mapping = mappingOf(env, args[0]);
  if (mapping == nullptr) return nullptr;
  if (mapping->file.base == nullptr || mapping->unmapPending) return throwError(env, "readMapped: the file is closed");
  double offset, bytes;
  if (!readNumber(env, args[1], offset) || !readNumber(env, args[2], bytes)) return nullptr;
  uint8_t* dst;
  size_t dstBytes;
  if (!readView(env, args[3], dst, dstBytes)) return nullptr;
  bool decode = false;
  napi_get_value_bool(env, args[4], &decode);
  if (offset < 0 || bytes < 0 || offset > 9007199254740991.0 || bytes > 9007199254740991.0) {
    return throwError(env, "readMapped: bad range");
  }
  const uint64_t wanted = static_cast<uint64_t>(bytes);
  if ((decode ? wanted * 2 : wanted) > dstBytes) return throwError(env, "readMapped: destination too small");
  auto* read = new MappedRead();
  read->mapping = mapping;
  ++mapping->inFlight;
  read->offset = static_cast<uint64_t>(offset);
  read->bytes = wanted;
  read->dst = dst;
  read->kind = decode ? MappedReadKind::Float16ToFloat32 : MappedReadKind::Copy;
  napi_create_reference(env, args[0], 1, &read->handleRef);
  napi_create_reference(env, args[3], 1, &read->dstRef);
  return queuePromisedWork(env, "bertvision.readMapped", executeMappedRead, completeMappedRead, read, read->deferred,
                           read->work);
}

/** adviseHugePages(memory: ArrayBuffer, limitBytes: number): bytes advised (see heap_pages.h). */
napi_value AdviseHugePages(napi_env env, napi_callback_info info) {
  napi_value args[2];
  if (!readArguments(env, info, 2, args)) return nullptr;
  void* memory;
  size_t memoryBytes;
  if (!readArrayBuffer(env, args[0], "adviseHugePages", memory, memoryBytes)) return nullptr;
  double limit;
  if (!readNumber(env, args[1], limit)) return nullptr;
  if (!(limit >= 0)) return throwError(env, "adviseHugePages: the limit must be a non-negative number of bytes");
  const size_t advised = adviseHugePages(static_cast<const uint8_t*>(memory), static_cast<size_t>(limit));
  napi_value result;
  CHECK_NAPI(env, napi_create_double(env, static_cast<double>(advised), &result));
  return result;
}

/** One asynchronous page population in flight (see PopulateHeap). */
struct HeapPopulation {
  uint8_t* start;
  size_t bytes;
  size_t populated = 0;
  napi_ref memoryRef;
  napi_deferred deferred;
  napi_async_work work;
};

void executeHeapPopulation(napi_env, void* data) {
  auto* population = static_cast<HeapPopulation*>(data);
  population->populated = populateWritable(population->start, population->bytes);
}

void completeHeapPopulation(napi_env env, napi_status, void* data) {
  auto* population = static_cast<HeapPopulation*>(data);
  napi_value result;
  napi_create_double(env, static_cast<double>(population->populated), &result);
  napi_resolve_deferred(env, population->deferred, result);
  napi_delete_reference(env, population->memoryRef);
  napi_delete_async_work(env, population->work);
  delete population;
}

/**
 * populateHeap(memory: ArrayBuffer, offset: number, bytes: number) → Promise<number>: faults in memory's pages
 * [offset, offset + bytes) off the main thread without changing their contents (see populateWritable in
 * heap_pages.h); resolves with the bytes populated (0 where the kernel cannot).
 */
napi_value PopulateHeap(napi_env env, napi_callback_info info) {
  napi_value args[3];
  if (!readArguments(env, info, 3, args)) return nullptr;
  void* memory;
  size_t memoryBytes;
  if (!readArrayBuffer(env, args[0], "populateHeap", memory, memoryBytes)) return nullptr;
  double offset, bytes;
  if (!readNumber(env, args[1], offset) || !readNumber(env, args[2], bytes)) return nullptr;
  if (!(offset >= 0) || !(bytes >= 0) || offset + bytes > static_cast<double>(memoryBytes)) {
    return throwError(env, "populateHeap: the range is outside the memory");
  }
  auto* population = new HeapPopulation();
  population->start = static_cast<uint8_t*>(memory) + static_cast<size_t>(offset);
  population->bytes = static_cast<size_t>(bytes);
  napi_create_reference(env, args[0], 1, &population->memoryRef);
  return queuePromisedWork(env, "bertvision.populateHeap", executeHeapPopulation, completeHeapPopulation, population,
                           population->deferred, population->work);
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"capabilities", nullptr, Capabilities, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"decodeFloat16", nullptr, DecodeFloat16, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mapFile", nullptr, MapFile, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unmapFile", nullptr, UnmapFile, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"readMapped", nullptr, ReadMapped, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adviseHugePages", nullptr, AdviseHugePages, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"populateHeap", nullptr, PopulateHeap, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  defineWasmHeapKernels(env, exports);
  defineProductKernels(env, exports);
  defineAdapterHeadKernels(env, exports);
  defineOptimizerKernels(env, exports);
  defineBatchNormKernels(env, exports);
  defineAvgPoolKernels(env, exports);
  return exports;
}

}  // namespace
}  // namespace bertvision

NAPI_MODULE(NODE_GYP_MODULE_NAME, bertvision::Init)
