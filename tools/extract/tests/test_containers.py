"""Each container round-trips and is readable by the format's own library (h5py, safetensors, numpy)."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from safetensors.numpy import load_file
from safetensors import safe_open

from bertvision_extract.containers import open_reader, open_writer
from bertvision_extract.errors import StoreFormatError

SPECS = {"hidden_state_activations": ((3, 4, 5, 2), np.dtype("float16")), "start_positions": ((3,), np.dtype("int32")),
         "start_logits": ((3, 4), np.dtype("float32"))}
META = {"format": "bertvision-activations", "version": 1, "note": "ü"}


def _values() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {name: rng.normal(size=shape).astype(dtype) if dtype.kind == "f" else np.arange(shape[0], dtype=dtype)
            for name, (shape, dtype) in SPECS.items()}


def _write(target: Path) -> dict[str, np.ndarray]:
    values = _values()
    writer = open_writer(target, SPECS, META)
    for name, array in values.items():  # two positional writes per tensor, out of order
        writer.write(name, 1, array[1:])
        writer.write(name, 0, array[:1])
    writer.commit()
    return values


@pytest.mark.parametrize("name", ["store.h5", "store.safetensors", "store_npy"])
def test_round_trip_through_own_reader(tmp_path: Path, name: str) -> None:
    values = _write(tmp_path / name)
    reader = open_reader(tmp_path / name)
    assert reader.metadata == META
    for tensor, array in values.items():
        assert reader.specs[tensor] == (array.shape, array.dtype)
        np.testing.assert_array_equal(reader.read(tensor, 1, 2), array[1:3])
    reader.close()
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary left behind


def test_hdf5_is_what_h5py_sees(tmp_path: Path) -> None:
    values = _write(tmp_path / "s.h5")
    with h5py.File(tmp_path / "s.h5", "r") as f:
        assert json.loads(f.attrs["bertvision_metadata"]) == META
        assert f["hidden_state_activations"].chunks == (1, 4, 5, 2)
        np.testing.assert_array_equal(f["hidden_state_activations"][()], values["hidden_state_activations"])


def test_safetensors_is_what_the_safetensors_package_sees(tmp_path: Path) -> None:
    values = _write(tmp_path / "s.safetensors")
    loaded = load_file(tmp_path / "s.safetensors")
    for name, array in values.items():
        np.testing.assert_array_equal(loaded[name], array)
        assert loaded[name].dtype == array.dtype
    with safe_open(tmp_path / "s.safetensors", "np") as f:
        assert json.loads(f.metadata()["bertvision"]) == META


def test_npy_directory_is_what_numpy_sees(tmp_path: Path) -> None:
    values = _write(tmp_path / "d")
    for name, array in values.items():
        np.testing.assert_array_equal(np.load(tmp_path / "d" / f"{name}.npy"), array)
    assert json.loads((tmp_path / "d" / "metadata.json").read_text()) == META


def test_truncated_and_foreign_files_are_refused(tmp_path: Path) -> None:
    _write(tmp_path / "s.safetensors")
    raw = (tmp_path / "s.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(raw[:-10])
    with pytest.raises(StoreFormatError, match=r"cut\.safetensors.*data offsets"):
        open_reader(tmp_path / "cut.safetensors")
    (tmp_path / "tiny.safetensors").write_bytes(raw[:5])
    with pytest.raises(StoreFormatError, match="truncated safetensors header"):
        open_reader(tmp_path / "tiny.safetensors")
    (tmp_path / "x.h5").write_bytes(b"not hdf5")
    with pytest.raises(StoreFormatError, match=r"x\.h5: not a readable HDF5 file"):
        open_reader(tmp_path / "x.h5")
    with h5py.File(tmp_path / "plain.h5", "w") as f:
        f["hidden_state_activations"] = np.zeros((1, 1, 1, 1), np.float16)
    with pytest.raises(StoreFormatError, match="no root attribute 'bertvision_metadata'"):
        open_reader(tmp_path / "plain.h5")
    with pytest.raises(StoreFormatError, match="store not found"):
        open_reader(tmp_path / "none.h5")


def test_abort_leaves_nothing(tmp_path: Path) -> None:
    for name in ("a.h5", "a.safetensors", "a_npy"):
        open_writer(tmp_path / name, SPECS, META).abort()
    assert list(tmp_path.iterdir()) == []
