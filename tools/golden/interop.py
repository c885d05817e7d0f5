"""Interop fixtures: the seed's own heads, saved by Keras and torch every way a seed user has them, for
src/interop (loadKerasWeights, loadKerasModel, loadTorchSpanHead, tf.loadLayersModel on converter output).

Builds the seed's Keras heads the way its code writes them (bertvision-spec.md §3.1, §3.2: default layer names, the
skip and the start/end split as `x[..., -1]` / `logits[..., 0]` slicing, the custom layers of seed_keras.py without
get_config) for every registry architecture except the 20.7M-parameter full Xception (same layer types as
xception-abbreviated), at tiny sizes, with seeded random weights, and saves each one:

  keras2/<arch>.h5          tf-keras model.save_weights (Keras 2 HDF5: root `layer_names`, groups' `weight_names`)
  keras2/<arch>.model.h5    tf-keras model.save (HDF5 with `model_config`)
  keras3/<arch>.weights.h5  Keras 3 model.save_weights (`layers/<name>/vars/<i>`), for the Keras 3 subset
  keras3/<arch>.keras       Keras 3 model.save (zip: config.json, metadata.json, model.weights.h5)
  tfjs/<arch>/              `tensorflowjs_converter --input_format keras` output of keras2/<arch>.model.h5
  torch/ap-squad.safetensors  the seed's torch AP_SQuAD (adapter width = sequence length, exact erf GELU) state dict
  bad/                      a truncated weights file and a .keras archive without its weights member
  cases.json                per architecture: shapes, the input and the outputs Keras / torch compute

tensorflowjs 4.22.0 is installed with `pip install --no-deps tensorflowjs==4.22.0`: with its dependencies pip
downgrades tensorflow to 2.19 and tf-keras to 2.19 (tensorflow-decision-forests pins them). Its Keras-HDF5 converter
needs only h5py, numpy and tensorflow; its package __init__ imports the SavedModel converter (which needs
tensorflow_decision_forests), so load_tfjs_h5_converter() imports the two converter modules without it.

Run from the repository root:
  .venv/bin/python tools/golden/interop.py                 (rewrites test/fixtures/interop/)
  .venv/bin/python tools/golden/interop.py --check         (every committed file, loaded by Keras / torch, gives the
                                                            committed outputs; rebuilding gives the same outputs)
  .venv/bin/python tools/golden/interop.py --verify-ts DIR (files written by tools/golden/interop-export.ts:
                                                            the seed's Keras model load_weights() each .h5, the
                                                            seed's torch model loads each .safetensors; outputs agree)
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import types
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras as keras3  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras2  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402

import seed_keras  # noqa: E402
import seed_keras3  # noqa: E402
from models import conv_bn, pool, residual, sep_bn  # noqa: E402  (tf-keras Xception pieces, named as the seed's)
from seed_torch import APSquad  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "interop"
TOL = 1e-5
BATCH = 2
BINARY_SHAPE = (1, 16, 6)
XCEPTION_SHAPE = (1, 48, 6)
SPAN_SHAPE = (8, 16, 5)
KERAS3_SUBSET = ("tenney-small", "adapter-pooler-mean", "learned-pooling", "adapter-64-skip",
                 "learned-pooling-adapter-386-skip")
TFJS_SUBSET = ("tenney-small", "adapter-pooler-tenney", "learned-pooling", "adapter-386-skip")
FULL_MODEL_SKIPPED = ("xception-abbreviated-cls",)  # 1.1 MB each; xception-abbreviated has the same layer types
TORCH_SHAPE = (6, 16, 5)  # S = A = 6 tokens (the seed's adapter width is the sequence length), E = 16, L = 5

# name -> (task, pooling, adapter (None | "shared" | "unshared"), skip, seed adapter width)
ARCHITECTURES = {
    "tenney-small": ("binary", "learned", None, False, None),
    "adapter-pooler-tenney": ("binary", "learned", "shared", True, 386),
    "adapter-pooler-mean": ("binary", "mean", "shared", True, 386),
    "xception-abbreviated": ("binary", None, None, False, None),
    "xception-abbreviated-cls": ("binary", None, None, True, None),
    "learned-pooling": ("span", "learned", None, False, None),
    "average-pooling": ("span", "mean", None, False, None),
    "adapter-386": ("span", None, "shared", False, 386),
    "adapter-386-skip": ("span", None, "shared", True, 386),
    "adapter-386-unshared": ("span", None, "unshared", False, 386),
    "adapter-386-unshared-skip": ("span", None, "unshared", True, 386),
    "adapter-64": ("span", None, "shared", False, 64),
    "adapter-64-skip": ("span", None, "shared", True, 64),
    "adapter-64-unshared": ("span", None, "unshared", False, 64),
    "adapter-64-unshared-skip": ("span", None, "unshared", True, 64),
    "learned-pooling-adapter-386": ("span", "learned", "shared", False, 386),
    "learned-pooling-adapter-386-skip": ("span", "learned", "shared", True, 386),
}


def small_shape(name):
    task = ARCHITECTURES[name][0]
    return XCEPTION_SHAPE if name.startswith("xception") else BINARY_SHAPE if task == "binary" else SPAN_SHAPE


def small_adapter(name):
    return {386: 4, 64: 3, None: None}[ARCHITECTURES[name][4]]


def pool_layers(lib, seed, pooling, x):
    return seed.BertConcat()(x) if pooling == "learned" else seed.MeanConcat()(x)


def adapter(lib, seed, kind, a, x):
    # The seed passes shared_weights only to switch it off, so a shared adapter's config is silent about it.
    return seed.AdapterPooler(a)(x) if kind == "shared" else seed.AdapterPooler(a, shared_weights=False)(x)


def xception_abbreviated(inp, cls):
    x = conv_bn(inp, 64, (1, 3), (1, 3), "valid", "block1_conv1")
    a = conv_bn(x, 128, (1, 3), (1, 1), "valid", "block1_conv2")
    res = residual(a, 512, "block2_residual")
    x = keras2.layers.Activation("relu", name="block2_sepconv1_act")(sep_bn(a, 256, "block2_sepconv1"))
    x = pool(sep_bn(x, 512, "block2_sepconv2"), "block2_pool")
    x = keras2.layers.Add(name="block2_add")([x, res])
    x = keras2.layers.GlobalAveragePooling2D(name="gap")(x)
    if cls:
        x = keras2.layers.Concatenate()([x, keras2.layers.Flatten()(inp[..., -1])])
    return x


def build(name, lib=keras2, seed=seed_keras):
    """The seed's head `name` at its small size, written as the seed writes it (default layer names)."""
    task, pooling, kind, skip, _ = ARCHITECTURES[name]
    s, e, n_layers = small_shape(name)
    a = small_adapter(name)
    L = lib.layers
    inp = lib.Input(shape=(s, e, n_layers), name="activations")
    if name.startswith("xception"):
        return lib.Model(inp, L.Dense(2)(xception_abbreviated(inp, skip)))
    x = pool_layers(lib, seed, pooling, inp) if pooling else inp
    if kind:
        if pooling:
            x = L.Reshape((s, e, 1))(x)
        x = adapter(lib, seed, kind, a, x)
        x = L.Reshape((s, a * (1 if pooling else n_layers)))(x)
    if skip:
        x = L.Concatenate()([x, inp[..., -1]])
    if task == "binary":
        return lib.Model(inp, L.Dense(2)(L.Flatten()(x)))
    logits = L.Dense(2)(x)
    return lib.Model(inp, [logits[..., 0], logits[..., 1]])


def set_random_weights(model, seed):
    """Seeded normal weights scaled by 1/sqrt(fan-in), so every output stays O(1) and 1e-5 is a float32-level test."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        shape = tuple(int(d) for d in w.shape)
        short = w.name.split("/")[-1].split(":")[0]
        fan_in = int(np.prod(shape[:2] if short == "depthwise_kernel" else shape[:-1])) if len(shape) > 1 else 1
        value = rng.standard_normal(shape) / np.sqrt(max(fan_in, 1))
        if short in ("gamma", "moving_variance", "probes"):
            value = 1.0 + 0.25 * np.abs(value)
        elif short in ("beta", "moving_mean", "bias"):
            value = 0.25 * value
        w.assign(value.astype(np.float32))


def input_for(shape, seed):
    return np.random.default_rng(seed).standard_normal((BATCH, *shape)).astype(np.float32)


def predict(model, x):
    y = model(x, training=False)
    return [np.asarray(t).reshape(-1) for t in (y if isinstance(y, (list, tuple)) else [y])]


def load_tfjs_h5_converter():
    """tensorflowjs' Keras-HDF5 converter modules, without the package __init__ (see the module docstring)."""
    if "tensorflowjs.converters.keras_h5_conversion" in sys.modules:
        from tensorflowjs import version  # noqa: E402
        return sys.modules["tensorflowjs.converters.keras_h5_conversion"], version.version
    spec = importlib.util.find_spec("tensorflowjs")
    if spec is None:
        sys.exit("tensorflowjs is not installed: .venv/bin/pip install --no-deps tensorflowjs==4.22.0")
    root = Path(spec.submodule_search_locations[0])
    for package, path in (("tensorflowjs", root), ("tensorflowjs.converters", root / "converters")):
        module = types.ModuleType(package)
        module.__path__ = [str(path)]
        sys.modules.setdefault(package, module)
    from tensorflowjs.converters import keras_h5_conversion  # noqa: E402
    from tensorflowjs import version  # noqa: E402
    return keras_h5_conversion, version.version


def convert_with_tfjs(h5_path, out_dir):
    """What `tensorflowjs_converter --input_format keras model.h5 out_dir` does for an HDF5 model."""
    conversion, _ = load_tfjs_h5_converter()
    out_dir.mkdir(parents=True, exist_ok=True)
    model_json, groups = conversion.h5_merged_saved_model_to_tfjs_format(str(h5_path))
    conversion.write_artifacts(model_json, groups, str(out_dir))


def keras3_equivalent(name, model2):
    model3 = build(name, keras3, seed_keras3)
    model3.set_weights(model2.get_weights())
    return model3


def write_fixtures(out):
    if out.exists():
        shutil.rmtree(out)
    for sub in ("keras2", "keras3", "tfjs", "torch", "bad"):
        (out / sub).mkdir(parents=True)
    cases = {}
    for i, name in enumerate(ARCHITECTURES):
        model = build(name)
        set_random_weights(model, 100 + i)
        x = input_for(small_shape(name), 200 + i)
        outputs = predict(model, x)
        files = {"keras2Weights": f"keras2/{name}.h5"}
        model.save_weights(out / files["keras2Weights"])
        if name not in FULL_MODEL_SKIPPED:
            files["keras2Model"] = f"keras2/{name}.model.h5"
            model.save(out / files["keras2Model"])
        if name in KERAS3_SUBSET:
            model3 = keras3_equivalent(name, model)
            assert max_diff(predict(model3, x), outputs) <= TOL, name
            files.update(keras3Weights=f"keras3/{name}.weights.h5", keras3Model=f"keras3/{name}.keras")
            model3.save_weights(out / files["keras3Weights"])
            model3.save(out / files["keras3Model"])
        if name in TFJS_SUBSET:
            files["tfjs"] = f"tfjs/{name}"
            convert_with_tfjs(out / files["keras2Model"], out / files["tfjs"])
        cases[name] = {"task": ARCHITECTURES[name][0], "inputShape": list(small_shape(name)),
                       "adapterDim": small_adapter(name), "batch": BATCH, "input": x.reshape(-1).tolist(),
                       "outputs": [o.tolist() for o in outputs], "files": files}
        keras2.backend.clear_session()
    torch_case = write_torch_fixture(out)
    truncated = (out / "keras2" / "adapter-64.h5").read_bytes()
    (out / "bad" / "truncated.h5").write_bytes(truncated[: len(truncated) // 2])
    with zipfile.ZipFile(out / "keras3" / "tenney-small.keras") as src, \
            zipfile.ZipFile(out / "bad" / "missing-weights.keras", "w") as dst:
        for item in src.infolist():
            if item.filename != "model.weights.h5":
                dst.writestr(item, src.read(item.filename))
    _, tfjs_version = load_tfjs_h5_converter()
    fixture = {"generator": "tools/golden/interop.py",
               "versions": {"tensorflow": tf.__version__, "tf_keras": keras2.__version__, "keras": keras3.__version__,
                            "torch": torch.__version__, "tensorflowjs": tfjs_version},
               "tolerance": TOL, "cases": cases, "torch": torch_case,
               "bad": {"truncated": "bad/truncated.h5", "missingWeightsMember": "bad/missing-weights.keras"}}
    (out / "cases.json").write_text(json.dumps(fixture, separators=(",", ":")))
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out} ({total:,d} bytes)", file=sys.stderr)


def torch_input(seed):
    """[B, S, E, L] (bertvision's layout) and the seed's torch layout [L, B, S, E] of the same values."""
    x = np.random.default_rng(seed).standard_normal((BATCH, *TORCH_SHAPE)).astype(np.float32)
    return x, torch.from_numpy(np.ascontiguousarray(np.transpose(x, (3, 0, 1, 2))))


def torch_model(state=None):
    s, e, n_layers = TORCH_SHAPE
    model = APSquad(n_layers, BATCH, s, e)
    if state is None:
        gen = torch.Generator().manual_seed(7)
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    else:
        model.load_state_dict(state, strict=True)
    return model.eval()


def torch_outputs(model, xt):
    with torch.no_grad():
        return [t.numpy().reshape(-1) for t in model(xt)]


def write_torch_fixture(out):
    model = torch_model()
    x, xt = torch_input(300)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, out / "torch" / "ap-squad.safetensors")
    return {"file": "torch/ap-squad.safetensors", "inputShape": list(TORCH_SHAPE), "batch": BATCH,
            "input": x.reshape(-1).tolist(), "outputs": [o.tolist() for o in torch_outputs(model, xt)]}


def max_diff(got, expected):
    if len(got) != len(expected):
        return float("inf")
    return max(float(np.max(np.abs(np.asarray(g, np.float64) - np.asarray(e, np.float64)))) for g, e in zip(got, expected))


def report(label, got, expected):
    diff = max_diff(got, expected)
    ok = diff <= TOL
    print(f"{label:58s} {'OK ' if ok else 'BAD'} max |Δ| = {diff:.2e}", file=sys.stderr)
    return 0 if ok else 1


def check(out):
    fixture = json.loads((out / "cases.json").read_text())
    failures = 0
    custom2 = {"BertConcat": seed_keras.BertConcat, "MeanConcat": seed_keras.MeanConcat,
               "AdapterPooler": seed_keras.AdapterPooler}
    custom3 = {"BertConcat": seed_keras3.BertConcat, "MeanConcat": seed_keras3.MeanConcat,
               "AdapterPooler": seed_keras3.AdapterPooler}
    for i, (name, case) in enumerate(fixture["cases"].items()):
        x = np.array(case["input"], np.float32).reshape(case["batch"], *case["inputShape"])
        rebuilt = build(name)
        set_random_weights(rebuilt, 100 + i)
        failures += report(f"{name}: rebuilt from the generator", predict(rebuilt, input_for(small_shape(name), 200 + i)), case["outputs"])
        files = case["files"]
        model = build(name)
        model.load_weights(out / files["keras2Weights"])
        failures += report(f"{name}: {files['keras2Weights']}", predict(model, x), case["outputs"])
        if "keras2Model" in files:
            loaded = keras2.models.load_model(out / files["keras2Model"], custom_objects=custom2, compile=False)
            failures += report(f"{name}: {files['keras2Model']}", predict(loaded, x), case["outputs"])
        if "keras3Weights" in files:
            model3 = build(name, keras3, seed_keras3)
            model3.load_weights(out / files["keras3Weights"])
            failures += report(f"{name}: {files['keras3Weights']}", predict(model3, x), case["outputs"])
            loaded3 = keras3.models.load_model(out / files["keras3Model"], custom_objects=custom3, compile=False)
            failures += report(f"{name}: {files['keras3Model']}", predict(loaded3, x), case["outputs"])
        if "tfjs" in files:
            failures += check_tfjs(out / files["tfjs"], name, x, case["outputs"])
        keras2.backend.clear_session()
    t = fixture["torch"]
    x, xt = torch_input(300)
    failures += report("torch: rebuilt from the generator", torch_outputs(torch_model(), xt), t["outputs"])
    committed = np.array(t["input"], np.float32).reshape(t["batch"], *t["inputShape"])
    xt = torch.from_numpy(np.ascontiguousarray(np.transpose(committed, (3, 0, 1, 2))))
    failures += report(f"torch: {t['file']}", torch_outputs(torch_model(load_file(out / t["file"])), xt), t["outputs"])
    print(f"{out}: {'OK' if not failures else f'{failures} failures'}", file=sys.stderr)
    return failures


def check_tfjs(directory, name, x, expected):
    """The converter output holds the same weights as the model: set them by name into the seed's model."""
    manifest = json.loads((directory / "model.json").read_text())["weightsManifest"]
    values = {}
    for group in manifest:
        data = b"".join((directory / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            n = int(np.prod(spec["shape"], dtype=np.int64))
            values[spec["name"]] = np.frombuffer(data, "<f4", n, offset).reshape(spec["shape"])
            offset += 4 * n
    keras2.backend.clear_session()  # default layer names as when the fixture was written
    model = build(name)
    names = [w.name.split(":")[0] for w in model.weights]
    missing = [n for n in names if n not in values]
    if missing or len(names) != len(values):
        print(f"{name}: the tfjs manifest has {sorted(values)}, the model {names}", file=sys.stderr)
        return 1
    model.set_weights([values[n] for n in names])
    return report(f"{name}: {directory.name} (tfjs converter)", predict(model, x), expected)


def verify_ts(directory):
    """Each <arch>.h5 (saveKerasWeights) loads into the seed's Keras model; each .safetensors into the seed's torch
    model (strict: every name and shape); the outputs equal bertvision's, recorded in <stem>.json."""
    failures = 0
    for meta_path in sorted(directory.glob("*.json")):
        meta = json.loads(meta_path.read_text())
        x = np.array(meta["input"], np.float32).reshape(meta["shape"])
        path = directory / meta["file"]
        if meta["kind"] == "keras":
            model = build(meta["architecture"])
            model.load_weights(path)
            failures += report(f"{meta['file']} (Keras load_weights)", predict(model, x), meta["outputs"])
            keras2.backend.clear_session()
        else:
            xt = torch.from_numpy(np.ascontiguousarray(np.transpose(x, (3, 0, 1, 2))))
            failures += report(f"{meta['file']} (torch load_state_dict)", torch_outputs(torch_model(load_file(path)), xt), meta["outputs"])
    if not list(directory.glob("*.json")):
        print(f"{directory}: nothing to verify", file=sys.stderr)
        return 1
    return failures


def main():
    args = sys.argv[1:]
    tf.random.set_seed(42)
    if args == ["--check"]:
        sys.exit(1 if check(OUT) else 0)
    if len(args) == 2 and args[0] == "--check-torch":
        t = json.loads((OUT / "cases.json").read_text())["torch"]
        x = np.array(t["input"], np.float32).reshape(t["batch"], *t["inputShape"])
        xt = torch.from_numpy(np.ascontiguousarray(np.transpose(x, (3, 0, 1, 2))))
        sys.exit(report(f"{args[1]} (torch load_state_dict)", torch_outputs(torch_model(load_file(args[1])), xt), t["outputs"]))
    if len(args) == 2 and args[0] == "--verify-ts":
        sys.exit(1 if verify_ts(Path(args[1])) else 0)
    if args:
        sys.exit(f"usage: {sys.argv[0]} [--check | --verify-ts DIR | --check-torch FILE]")
    write_fixtures(OUT)


if __name__ == "__main__":
    main()
