"""Export a HF BERT-family encoder to ONNX with every hidden state as an output, for bertvision's JS encoder.

Inputs (int64, [batch, sequence]): ``input_ids``, ``attention_mask`` and, when the model takes them,
``token_type_ids``. Outputs (float32):

- ``hidden_states`` [batch, sequence, hidden, layers+1]: the embeddings then every layer, layers on the last axis
  (the activation store's layout, what tools/extract's ``run_batch`` stacks);
- ``pooler_output`` [batch, hidden] when the model has a pooler (bare encoders such as all-MiniLM-L6-v2);
- ``start_logits`` and ``end_logits`` [batch, sequence] when the model has a question-answering head.

``--int8`` also writes ``<name>.int8.onnx``, dynamically quantised by onnxruntime (int8 weights of every MatMul).
``tokenizer.json`` is saved beside it (unless one is there already). A ``<name>.json`` sidecar records the model id, revision, sizes and outputs (what the JS extractor writes into
store metadata). Run:
  HF_HUB_OFFLINE=1 .venv/bin/python tools/onnx/export.py --model DIR -o model.onnx [--int8] [--model-id ID]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "extract"))
from bertvision_extract.encoder import LoadedEncoder, load_encoder  # noqa: E402
from bertvision_extract.errors import ExtractError  # noqa: E402

OPSET = 17


class HiddenStatesModel(torch.nn.Module):
    """The HF model with its hidden states stacked layers-last, plus pooler output / QA logits when it has them."""

    def __init__(self, encoder: LoadedEncoder, with_token_types: bool) -> None:
        super().__init__()
        self.model, self.pooler, self.qa = encoder.model, encoder.pooler, encoder.has_qa_head
        self.with_token_types = with_token_types

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None = None):
        kwargs = {"token_type_ids": token_type_ids} if self.with_token_types else {}
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True, **kwargs)
        outputs = [torch.stack(out.hidden_states, dim=-1)]
        if self.pooler is not None:
            outputs.append(self.pooler(out.hidden_states[-1]))
        if self.qa:
            outputs += [out.start_logits, out.end_logits]
        return tuple(outputs)


def output_names(encoder: LoadedEncoder) -> list[str]:
    names = ["hidden_states"]
    if encoder.pooler is not None:
        names.append("pooler_output")
    if encoder.has_qa_head:
        names += ["start_logits", "end_logits"]
    return names


def export(encoder: LoadedEncoder, output: Path) -> dict:
    """Write ``output`` (atomically) and return the sidecar's content."""
    with_types = "token_type_ids" in encoder.tokenizer.model_input_names
    inputs = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_types else [])
    wrapper = HiddenStatesModel(encoder, with_types).eval()
    sample = encoder.tokenizer("Who wrote it?", "Ann wrote it.", return_tensors="pt")
    args = tuple(sample[name].to(torch.int64) for name in inputs)
    names = output_names(encoder)
    axes = {name: {0: "batch", 1: "sequence"} for name in inputs}
    axes.update({name: {0: "batch"} if name == "pooler_output" else {0: "batch", 1: "sequence"} for name in names})
    tmp = output.with_name(f".{output.name}.partial")
    with torch.inference_mode():
        torch.onnx.export(wrapper, args, str(tmp), input_names=inputs, output_names=names, dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)
    tmp.replace(output)
    return {
        "format": "bertvision-onnx-encoder", "version": 1, "model_id": encoder.model_id,
        "model_revision": encoder.model_revision, "tokenizer_id": encoder.tokenizer_id,
        "num_layers": encoder.num_layers, "hidden_size": encoder.hidden_size, "inputs": inputs, "outputs": names,
        "has_pooler": encoder.pooler is not None, "has_qa_head": encoder.has_qa_head, "opset": OPSET,
    }


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of every MatMul's weights (onnxruntime.quantization), written atomically."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_name(f".{target.name}.partial")
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
    tmp.replace(target)


def sidecar_path(onnx_path: Path) -> Path:
    return onnx_path.with_suffix(".json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="HF model directory or hub id (offline cache)")
    parser.add_argument("--model-id", help="model id to record (default: hub id, or the directory's name)")
    parser.add_argument("--output", "-o", required=True, type=Path, help="the .onnx file to write")
    parser.add_argument("--int8", action="store_true", help="also write <name>.int8.onnx (dynamic int8 quantisation)")
    args = parser.parse_args(argv)
    if args.output.suffix != ".onnx":
        print(f"error: the output must end in .onnx: {args.output}", file=sys.stderr)
        return 2
    if args.model.startswith((".", "/", "~")) and not Path(args.model).expanduser().is_dir():
        print(f"error: no model directory at {args.model} (pass --model <HF model dir or hub id>)", file=sys.stderr)
        return 1
    try:
        encoder = load_encoder(args.model, torch.device("cpu"), model_id=args.model_id)
    except ExtractError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    info = export(encoder, args.output)
    tokenizer_json = args.output.parent / "tokenizer.json"
    if not tokenizer_json.exists():
        original = Path(args.model) / "tokenizer.json"
        if original.is_file():
            shutil.copyfile(original, tokenizer_json)
        else:
            encoder.tokenizer.backend_tokenizer.save(str(tokenizer_json))
    sidecar_path(args.output).write_text(json.dumps(info, indent=1) + "\n")
    print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB; outputs {', '.join(info['outputs'])})")
    if args.int8:
        target = args.output.with_suffix(".int8.onnx")
        quantize_int8(args.output, target)
        sidecar_path(target).write_text(json.dumps({**info, "quantization": "dynamic int8 (MatMul weights)"}, indent=1) + "\n")
        print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
