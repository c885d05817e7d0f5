#!/bin/sh
# Builds bench/native/gemm_bench.cc with the same per-file ISA flags as native/build.mjs → /tmp/gemm_bench.
set -e
cd "$(dirname "$0")/../.."
out=${1:-/tmp/gemm_bench}
work=$(mktemp -d)
CXX=${CXX:-c++}
$CXX -O3 -std=c++17 -pthread -c bench/native/gemm_bench.cc -o "$work/bench.o"
$CXX -O3 -std=c++17 -pthread -c native/src/thread_pool.cc -o "$work/pool.o"
$CXX -O3 -std=c++17 -pthread -mavx2 -mfma -mf16c -c native/src/gemm_avx2.cc -o "$work/avx2.o"
$CXX -O3 -std=c++17 -pthread -mavx512f -mavx512bw -mavx512vl -mavx512bf16 -c native/src/gemm_bf16_avx512.cc -o "$work/bf16.o"
$CXX -pthread "$work/bench.o" "$work/pool.o" "$work/avx2.o" "$work/bf16.o" -o "$out"
rm -rf "$work"
echo "built $out"
